using ClearingHouse.Storage.Sqlite;
using ClearingHouse.Storage.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Storage.Tests.Sqlite;

/// <summary>The grain storage contract on a real SQLite file.</summary>
public sealed class SqliteGrainStorageTests(SqliteFileFixture file) : GrainStorageTestBase, IClassFixture<SqliteFileFixture>
{
    protected override async Task<StorageUnderTest> StartAsync()
    {
        var connections = new SqliteConnectionFactory(Options.Create(new SqliteStorageOptions { ConnectionString = file.ConnectionString }));
        var storage = new SqliteGrainStorage("test", connections, OrleansServices.Serializer, OrleansServices.Activators, OrleansServices.Logger<SqliteGrainStorage>());
        var migrations = new SqliteMigrations(connections, OrleansServices.Logger<SqliteMigrations>());
        await migrations.RunAsync(CancellationToken.None);
        return new StorageUnderTest(storage, migrations.RunAsync, () =>
        {
            connections.Dispose();
            return ValueTask.CompletedTask;
        });
    }

    [Fact]
    public async Task OpenConnection_NewFile_UsesWalAndFullSynchronous()
    {
        await using var sut = await StartAsync();
        using var connections = new SqliteConnectionFactory(Options.Create(new SqliteStorageOptions { ConnectionString = file.ConnectionString }));

        await using var connection = await connections.OpenConnectionAsync();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        var journalMode = (string?)await command.ExecuteScalarAsync();
        command.CommandText = "PRAGMA synchronous;";
        var synchronous = (long?)await command.ExecuteScalarAsync();

        Assert.Equal("wal", journalMode);
        Assert.Equal(2L, synchronous); // 2 = FULL
        Assert.True(File.Exists(file.FilePath));
    }

    [Fact]
    public async Task WriteState_Written_StoresBinaryPayloadKeyedByGrainTypeAndKey()
    {
        await using var sut = await StartAsync();
        var grainId = NewGrainId();
        await sut.Storage.WriteStateAsync("s", grainId, new GrainState<TestState>(new TestState { Name = "row" }));

        await using var connection = new SqliteConnection(file.ConnectionString);
        await connection.OpenAsync();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT grain_type, etag, length(payload) FROM grain_state WHERE grain_id = @id AND state_name = 's';";
        command.Parameters.AddWithValue("@id", grainId.Key.ToString());
        using var reader = await command.ExecuteReaderAsync();

        Assert.True(await reader.ReadAsync());
        Assert.Equal("storagetest", reader.GetString(0));
        Assert.Equal(1L, reader.GetInt64(1));
        Assert.True(reader.GetInt64(2) > 0);
    }
}
