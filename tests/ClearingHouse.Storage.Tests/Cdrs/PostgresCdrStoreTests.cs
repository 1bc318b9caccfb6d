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

    public Task InitializeAsync() => Task.CompletedTask;

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
    public async Task InsertAsync_ManyBatchesOnAFreshStoreAndDay_ShareOneSchemaAndPartitionSetUp()
    {
        // A silo's first moments under load: 64 batches arrive before the schema is known to exist, on a new day.
        var name = "cdr-start-" + Guid.NewGuid().ToString("N")[..8];
        var connectionString = new NpgsqlConnectionStringBuilder(_database.ConnectionString) { ApplicationName = name }.ToString();
        await using var connections = new PostgresConnectionFactory(Options.Create(new PostgresStorageOptions { ConnectionString = connectionString }));
        var store = new PostgresCdrStore(connections);
        var (cpo, emsp) = (NewCpo(), NewEmsp());
        var end = new DateTimeOffset(2026, 8, 3, 12, 0, 0, TimeSpan.Zero);

        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(b => Task.Run(() =>
            store.InsertAsync(cpo, [.. Enumerable.Range(0, 10).Select(i => Cdr(cpo, emsp, $"B{b}-{i}", end.AddSeconds(i)))]))));

        Assert.All(results, r => Assert.Equal(10, r.Count));
        // One schema attempt, one partition creator and at most MaxWriters group writers: not a connection per batch.
        // (The pool keeps what it opened; the server lists them by application name.)
        await using var connection = await _connections.OpenConnectionAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", connection)
        {
            Parameters = { new NpgsqlParameter<string> { TypedValue = name } },
        };
        Assert.InRange((long)(await count.ExecuteScalarAsync())!, 1, PostgresCdrStore.MaxWriters + 2);
    }

    [Fact]
    public async Task InsertAsync_FullGroupOfWideRowsHalfAlreadyStored_StoresOnlyTheNewHalfExactly()
    {
        var (cpo, emsp) = (NewCpo(), NewEmsp());
        var end = new DateTimeOffset(2026, 8, 4, 12, 0, 0, TimeSpan.Zero);
        var padding = new string('x', 1200); // ~1.4 KB rows, as real CDRs with their breakdown
        StoredCdr Wide(int i, decimal total) => Cdr(cpo, emsp, $"W{i:D5}", end.AddSeconds(i), total) with { HubPriceJson = $"{{\"pad\":\"{padding}\"}}" };
        var first = await Store.InsertAsync(cpo, [.. Enumerable.Range(0, PostgresCdrStore.MaxGroupRows / 2).Select(i => Wide(i, 1m))]);

        var second = await Store.InsertAsync(cpo, [.. Enumerable.Range(0, PostgresCdrStore.MaxGroupRows).Select(i => Wide(i, 2m))]);

        Assert.Equal(PostgresCdrStore.MaxGroupRows / 2, first.Count);
        Assert.Equal(Enumerable.Range(PostgresCdrStore.MaxGroupRows / 2, PostgresCdrStore.MaxGroupRows / 2).Select(i => $"W{i:D5}").ToHashSet(), second.ToHashSet());
        Assert.Equal(1m, (await Store.GetAsync(cpo, "W00000"))!.TotalCostExclVat); // the first version kept
        Assert.Equal(Wide(PostgresCdrStore.MaxGroupRows - 1, 2m), await Store.GetAsync(cpo, $"W{PostgresCdrStore.MaxGroupRows - 1:D5}"));
        var all = await Store.ListAsync(new CdrQuery { Cpo = cpo, Limit = PostgresCdrStore.MaxGroupRows + 1 });
        Assert.Equal(PostgresCdrStore.MaxGroupRows, all.Count);
    }

    [Fact]
    public async Task InsertAsync_RowRejectedAfterItsKeyWasNew_FailsAndStoresNothingOfTheBatch()
    {
        // PostgreSQL text cannot hold U+0000: the key (step 1) is accepted, the full row (step 2) is refused. The
        // whole transaction must go: no key left behind that would make the retry a "duplicate" of nothing.
        var (cpo, emsp) = (NewCpo(), NewEmsp());
        var end = new DateTimeOffset(2026, 8, 5, 12, 0, 0, TimeSpan.Zero);
        var good = Cdr(cpo, emsp, "OK-1", end);
        var bad = Cdr(cpo, emsp, "NUL-1", end) with { OcpiJson = "{\"id\":\"NUL-1\u0000\"}" };

        await Assert.ThrowsAsync<PostgresException>(() => Store.InsertAsync(cpo, [good, bad]));

        Assert.Empty(await Store.FindExistingAsync(cpo, ["OK-1", "NUL-1"]));
        Assert.Empty(await Store.ListAsync(new CdrQuery { Cpo = cpo, Limit = 10 }));
        var retried = await Store.InsertAsync(cpo, [good, bad with { OcpiJson = "{\"id\":\"NUL-1\"}" }]);
        Assert.Equal(["NUL-1", "OK-1"], retried.Order(StringComparer.Ordinal));
        Assert.Equal(good, await Store.GetAsync(cpo, "OK-1"));
    }

    [Fact]
    public async Task InsertAsync_DayPartitionDroppedBehindTheStore_FailsAndStoresNothing()
    {
        // The store remembers which day partitions exist; if one disappears (an operator detached an old day) the
        // rows for it find no partition. The batch fails as a whole, its keys included, and other days still work.
        var (cpo, emsp) = (NewCpo(), NewEmsp());
        var day = new DateTimeOffset(2026, 9, 14, 8, 0, 0, TimeSpan.Zero);
        Assert.Single(await Store.InsertAsync(cpo, [Cdr(cpo, emsp, "D-0", day)]));
        await using (var connection = await _connections.OpenConnectionAsync())
        await using (var drop = new NpgsqlCommand("DROP TABLE cdrs_20260914", connection))
        {
            await drop.ExecuteNonQueryAsync();
        }

        var failure = await Assert.ThrowsAsync<PostgresException>(() =>
            Store.InsertAsync(cpo, [Cdr(cpo, emsp, "D-1", day.AddDays(1)), Cdr(cpo, emsp, "D-2", day.AddHours(1))]));

        Assert.Equal(PostgresErrorCodes.CheckViolation, failure.SqlState); // "no partition of relation found for row"
        Assert.Equal(["D-0"], await Store.FindExistingAsync(cpo, ["D-0", "D-1", "D-2"]));
        Assert.Equal(["D-1"], await Store.InsertAsync(cpo, [Cdr(cpo, emsp, "D-1", day.AddDays(1))]));
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
