using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains.Tokens;
using ClearingHouse.Storage.Sqlite;
using ClearingHouse.Storage.Sqlite.Tokens;
using ClearingHouse.Storage.Tests.Sqlite;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Storage.Tests.Tokens;

/// <summary>The authorization journal on a real SQLite file: a group-committed batch reads back row for row.</summary>
public sealed class SqliteAuthorizationJournalTests : IClassFixture<SqliteFileFixture>, IDisposable
{
    private readonly SqliteConnectionFactory _connections;
    private readonly SqliteTokenStore _store;

    public SqliteAuthorizationJournalTests(SqliteFileFixture file)
    {
        _connections = new SqliteConnectionFactory(Options.Create(new SqliteStorageOptions { ConnectionString = file.ConnectionString }));
        _store = new SqliteTokenStore(_connections);
    }

    [Fact]
    public async Task AppendAsync_MixedBatch_EveryRecordReadsBackUnchanged()
    {
        var cpos = new[] { new PartyKey("NL", "ABC", PartyRole.Cpo), new PartyKey("DE", "CPO", PartyRole.Cpo) };
        var emsp = new PartyKey("DE", "XYZ", PartyRole.Emsp);
        var at = new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
        var records = Enumerable.Range(0, 150).Select(i => new AuthorizationRecord
        {
            Reference = Guid.CreateVersion7().ToString("N"),
            Cpo = cpos[i % 2],
            // Unknown tokens have no EMSP.
            Emsp = i % 5 == 0 ? null : emsp,
            Uid = $"UID{i}",
            Type = (TokenType)(1 + (i % 4)),
            LocationId = i % 3 == 0 ? null : $"LOC{i}",
            EvseUids = (i % 3) switch { 0 => [], 1 => [$"E{i}"], _ => [$"E{i}", "E2", "E3"] },
            Allowed = (AllowedType)(1 + (i % 5)),
            Source = (DecisionSource)(1 + (i % 5)),
            DecidedAt = at.AddMilliseconds(i),
        }).ToList();

        await _store.AppendAsync(records);
        // Appending the same references again changes nothing (a retried batch).
        await _store.AppendAsync(records.Take(3).ToList());

        foreach (var expected in records)
        {
            var actual = await _store.GetAsync(expected.Reference);
            Assert.NotNull(actual);
            Assert.Equal(expected with { EvseUids = [] }, actual with { EvseUids = [] });
            Assert.Equal(expected.EvseUids, actual.EvseUids);
        }
    }

    [Fact]
    public async Task AppendAsync_Empty_StoresNothing()
    {
        await _store.AppendAsync([]);
        Assert.Null(await _store.GetAsync("0123456789abcdef0123456789abcdef"));
    }

    public void Dispose()
    {
        _store.Dispose();
        _connections.Dispose();
    }
}
