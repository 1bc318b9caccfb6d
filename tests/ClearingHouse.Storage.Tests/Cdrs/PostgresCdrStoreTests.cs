using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Storage.Postgres;
using ClearingHouse.Storage.Postgres.Cdrs;
using ClearingHouse.Storage.Tests.Postgres;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ClearingHouse.Storage.Tests.Cdrs;

/// <summary>The CDR store contract on a real PostgreSQL server (day partitions, key table).</summary>
public sealed class PostgresCdrStoreTests : CdrStoreTestBase, IClassFixture<PostgresDatabaseFixture>, IAsyncLifetime
{
    private readonly PostgresDatabaseFixture _database;
    private readonly PostgresConnectionFactory _connections;

    public PostgresCdrStoreTests(PostgresDatabaseFixture database)
    {
        _database = database;
        _connections = new PostgresConnectionFactory(Options.Create(new PostgresStorageOptions { ConnectionString = database.ConnectionString }));
        Store = new PostgresCdrStore(_connections);
    }

    protected override ICdrStore Store { get; }

    public Task InitializeAsync() => Store.InitializeAsync();

    public async Task DisposeAsync() => await _connections.DisposeAsync();

    [Fact]
    public async Task InsertAsync_CdrsOfTwoDays_LandInTwoDayPartitions()
    {
        var (cpo, emsp) = (NewCpo(), NewEmsp());
        var end = new DateTimeOffset(2026, 5, 10, 23, 59, 0, TimeSpan.Zero);
        await Store.InsertAsync(cpo, [Cdr(cpo, emsp, "D1", end), Cdr(cpo, emsp, "D2", end.AddMinutes(2))]);

        await using var connection = await _connections.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(
            "SELECT tableoid::regclass::text FROM cdrs WHERE cpo_party = $1 ORDER BY cdr_id", connection)
        {
            Parameters = { new NpgsqlParameter<string> { TypedValue = cpo.PartyId } },
        };
        var partitions = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            partitions.Add(reader.GetString(0));
        }

        Assert.Equal(["cdrs_20260510", "cdrs_20260511"], partitions.Select(p => p[(p.LastIndexOf('.') + 1)..]));
        Assert.NotEmpty(_database.Schema);
    }
}
