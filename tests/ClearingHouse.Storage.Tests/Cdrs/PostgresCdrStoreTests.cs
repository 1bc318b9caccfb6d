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

    [Fact]
    public async Task ReadFeedAsync_OlderTransactionRunning_HeldBackInThisDatabaseOnly()
    {
        var feed = (ICdrFeedStore)Store;
        var (cpo, emsp) = (NewCpo(), NewEmsp());
        var end = new DateTimeOffset(2026, 7, 1, 9, 0, 0, TimeSpan.Zero);

        // A writing transaction in another database (someone's bulk load on the same server): must not hold back.
        var elsewhere = new NpgsqlConnectionStringBuilder(_database.ConnectionString) { Database = "postgres", SearchPath = null }.ToString();
        await using (var other = new NpgsqlConnection(elsewhere))
        {
            await other.OpenAsync();
            await using var otherTransaction = await other.BeginTransactionAsync();
            await using (var xid = new NpgsqlCommand("SELECT pg_current_xact_id()", other, otherTransaction))
            {
                await xid.ExecuteScalarAsync();
            }

            await Store.InsertAsync(cpo, [Cdr(cpo, emsp, "F1", end)]);
            Assert.Equal(["F1"], (await ReadFeedUntilAsync(emsp, CdrFeedPosition.Start, 1)).Select(e => e.Cdr.Id));
        }

        // An older writing transaction in this database: what committed after it waits until it ends, so that
        // nothing it might still store can land behind a position already read.
        await using var mine = await _connections.OpenConnectionAsync();
        await using var transaction = await mine.BeginTransactionAsync();
        await using (var xid = new NpgsqlCommand("SELECT pg_current_xact_id()", mine, transaction))
        {
            await xid.ExecuteScalarAsync();
        }

        await Store.InsertAsync(cpo, [Cdr(cpo, emsp, "F2", end)]);
        await Task.Delay(200);
        Assert.Equal(["F1"], (await feed.ReadFeedAsync(emsp, CdrFeedPosition.Start, 10)).Select(e => e.Cdr.Id));
        await transaction.RollbackAsync();
        Assert.Equal(["F1", "F2"], (await ReadFeedUntilAsync(emsp, CdrFeedPosition.Start, 2)).Select(e => e.Cdr.Id));
    }
}
