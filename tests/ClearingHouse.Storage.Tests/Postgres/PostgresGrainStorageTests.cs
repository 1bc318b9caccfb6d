using ClearingHouse.Storage.Postgres;
using ClearingHouse.Storage.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ClearingHouse.Storage.Tests.Postgres;

/// <summary>The grain storage contract on the real PostgreSQL server.</summary>
public sealed class PostgresGrainStorageTests(PostgresDatabaseFixture database) : GrainStorageTestBase, IClassFixture<PostgresDatabaseFixture>
{
    protected override async Task<StorageUnderTest> StartAsync()
    {
        var connections = new PostgresConnectionFactory(Options.Create(new PostgresStorageOptions { ConnectionString = database.ConnectionString }));
        var storage = new PostgresGrainStorage("test", connections, OrleansServices.Serializer, OrleansServices.Activators, OrleansServices.Logger<PostgresGrainStorage>());
        var migrations = new PostgresMigrations(connections, OrleansServices.Logger<PostgresMigrations>());
        await migrations.RunAsync(CancellationToken.None);
        return new StorageUnderTest(storage, migrations.RunAsync, connections.DisposeAsync);
    }

    [Fact]
    public async Task EnsureSchema_ManyProvidersAtOnce_AllSucceed()
    {
        var starts = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => StartAsync()));

        foreach (var started in starts)
        {
            await started.DisposeAsync();
        }
    }

    [Fact]
    public async Task WriteState_Written_StoresByteaPayloadInFixtureSchema()
    {
        await using var sut = await StartAsync();
        var grainId = NewGrainId();
        await sut.Storage.WriteStateAsync("s", grainId, new GrainState<TestState>(new TestState { Name = "row" }));

        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT grain_type, etag, octet_length(payload) FROM grain_state WHERE grain_id = @id AND state_name = 's'", connection);
        command.Parameters.AddWithValue("id", grainId.Key.ToString());
        await using var reader = await command.ExecuteReaderAsync();

        Assert.True(await reader.ReadAsync());
        Assert.Equal("storagetest", reader.GetString(0));
        Assert.Equal(1L, reader.GetInt64(1));
        Assert.True(reader.GetInt32(2) > 0);
        await reader.DisposeAsync();
        await using var schemaOf = new NpgsqlCommand("SELECT table_schema FROM information_schema.tables WHERE table_name = 'grain_state' AND table_schema = @schema", connection);
        schemaOf.Parameters.AddWithValue("schema", database.Schema);
        Assert.Equal(database.Schema, (string?)await schemaOf.ExecuteScalarAsync());
    }
}
