using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Settlement;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Settlement;
using ClearingHouse.Storage.Tests.Infrastructure;

namespace ClearingHouse.Storage.Tests.Settlement;

/// <summary>The <see cref="ISettlementStore"/> contract (and the statement queries over the CDR store), on each real backend.</summary>
public abstract class SettlementStoreTestBase : IAsyncLifetime
{
    private static int _counter;
    private static readonly DateTimeOffset Oct = new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Nov = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly StoreBackend _backend;

    protected SettlementStoreTestBase(StoreBackend backend)
    {
        _backend = backend;
        Cdrs = backend.Cdrs;
    }

    protected ISettlementStore Store { get; private set; } = null!;

    protected ICdrStore Cdrs { get; }

    public async Task InitializeAsync() => Store = await _backend.CreateSettlementStoreAsync();

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    private static (PartyKey Cpo, PartyKey Emsp) NewPair()
    {
        var n = Interlocked.Increment(ref _counter);
        var id = $"{(char)('A' + (n % 26))}{(char)('A' + (n / 26 % 26))}{Environment.ProcessId % 10}";
        return (new PartyKey("NL", id, PartyRole.Cpo), new PartyKey("DE", id, PartyRole.Emsp));
    }

    private static StoredCdr Cdr(PartyKey cpo, PartyKey emsp, string id, DateTimeOffset end, PriceCheck check = PriceCheck.Matched, string currency = "EUR") => new()
    {
        Cpo = cpo, Id = id, Emsp = emsp, StartDateTime = end.AddHours(-1), EndDateTime = end, Currency = currency,
        TotalCostExclVat = 1m, TotalCostInclVat = 1.21m, PriceCheck = check, ReceivedAt = end, OcpiJson = "{}",
    };

    private static Func<Func<StatementLineRow, Task>, CancellationToken, Task<StatementContent>> Lines(params string[] ids) => async (add, _) =>
    {
        for (var i = 0; i < ids.Length; i++)
        {
            await add(new StatementLineRow(i + 1, ids[i], !ids[i].StartsWith("D-", StringComparison.Ordinal), $"{i + 1},CHARGE,{ids[i]}"));
        }

        return new StatementContent(ids.Length, "{}", "hash-" + string.Join('-', ids));
    };

    [Fact]
    public async Task StreamPagesAsync_PeriodAndCurrency_EveryCdrOnceInOrder()
    {
        var (cpo, emsp) = NewPair();
        var cdrs = Enumerable.Range(0, 25).Select(i => Cdr(cpo, emsp, $"C{i:D2}", Oct.AddHours(i * 31), currency: i % 5 == 0 ? "USD" : "EUR")).ToList();
        await Cdrs.InsertAsync(cpo, cdrs);

        var seen = new List<string>();
        await foreach (var page in Cdrs.StreamPagesAsync(new CdrQuery { Cpo = cpo, Emsp = emsp, From = Oct, To = Nov, Limit = 1 }, "EUR", pageSize: 4))
        {
            seen.AddRange(page.Select(c => c.Id));
        }

        var expected = cdrs.Where(c => c.Currency == "EUR" && c.EndDateTime < Nov).Select(c => c.Id).ToList();
        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task CloseAsync_SameKeyTwice_SecondReturnsFirstWithoutBuilding()
    {
        var (cpo, emsp) = NewPair();
        var key = new StatementKey(cpo, emsp, "EUR", Oct, Nov);
        var (first, created) = await Store.CloseAsync(key, "test", Oct, Lines("A", "B", "D-1"));

        var built = false;
        var (second, createdAgain) = await Store.CloseAsync(key, "test", Nov, (_, _) => { built = true; return Task.FromResult(new StatementContent(0, "", "")); });

        Assert.True(created);
        Assert.False(createdAgain);
        Assert.False(built);
        Assert.Equal(first, second);
        Assert.Equal(["1,CHARGE,A", "2,CHARGE,B", "3,CHARGE,D-1"], await Store.ReadLinesAsync(first.Number).ToListAsync());
        Assert.Equal(["A", "B"], (await Store.FindSettledAsync(cpo, ["A", "B", "D-1", "X"])).Order());
        Assert.Equal(first, await Store.GetStatementAsync(first.Number));
    }

    [Fact]
    public async Task CloseAsync_OverlappingPeriod_FailedPreconditionNothingWritten()
    {
        var (cpo, emsp) = NewPair();
        await Store.CloseAsync(new StatementKey(cpo, emsp, "EUR", Oct, Nov), "test", Oct, Lines("A"));

        var error = await Assert.ThrowsAsync<HubException>(() => Store.CloseAsync(new StatementKey(cpo, emsp, "EUR", Oct.AddDays(10), Nov.AddDays(10)), "test", Oct, Lines("B")));

        Assert.Equal(HubErrorCode.FailedPrecondition, error.Code);
        Assert.Single(await Store.ListClosedAsync(cpo, emsp, "EUR"));
        Assert.Empty(await Store.FindSettledAsync(cpo, ["B"]));
    }

    [Fact]
    public async Task CloseAsync_CdrSettledElsewhere_FailsAndNothingWritten()
    {
        var (cpo, emsp) = NewPair();
        await Store.CloseAsync(new StatementKey(cpo, emsp, "EUR", Oct, Nov), "test", Oct, Lines("A"));

        var error = await Assert.ThrowsAsync<HubException>(() => Store.CloseAsync(new StatementKey(cpo, emsp, "EUR", Nov, Nov.AddDays(30)), "test", Nov, Lines("N1", "A")));

        Assert.Equal(HubErrorCode.FailedPrecondition, error.Code);
        Assert.Single(await Store.ListClosedAsync(cpo, emsp, "EUR"));
        Assert.Empty(await Store.FindSettledAsync(cpo, ["N1"]));
    }

    [Fact]
    public async Task ListStatementsAsync_ByEmspAndNumber_Paged()
    {
        var (cpo, emsp) = NewPair();
        var a = (await Store.CloseAsync(new StatementKey(cpo, emsp, "EUR", Oct, Nov), "test", Oct, Lines("A"))).Statement;
        var b = (await Store.CloseAsync(new StatementKey(cpo, emsp, "USD", Oct, Nov), "test", Oct, Lines("B"))).Statement;

        var page1 = await Store.ListStatementsAsync(new StatementListQuery { Emsp = emsp, Limit = 1 });
        var page2 = await Store.ListStatementsAsync(new StatementListQuery { Emsp = emsp, AfterNumber = page1[0].Number, Limit = 10 });

        Assert.Equal([a.Number], page1.Select(s => s.Number));
        Assert.Equal([b.Number], page2.Select(s => s.Number));
        Assert.True(b.Number > a.Number);
    }

    [Fact]
    public async Task OpenDisputeAsync_SecondForSameCdr_ReturnsExisting()
    {
        var (cpo, emsp) = NewPair();
        var draft = Draft(cpo, emsp, "C1");

        var (opened, created) = await Store.OpenDisputeAsync(draft, "EMSP x");
        var (again, createdAgain) = await Store.OpenDisputeAsync(draft with { Reason = "other" }, "hub");

        Assert.True(created);
        Assert.False(createdAgain);
        Assert.Equal(opened.Id, again.Id);
        Assert.Equal("why", again.Reason);
        Assert.Equal(opened.Id, (await Store.FindDisputesAsync(cpo, ["C1", "C2"]))["C1"].Id);
        var history = Assert.Single(await Store.ListDisputeEventsAsync(opened.Id));
        Assert.Equal(("EMSP x", (DisputeState?)null, DisputeState.Open), (history.Actor, history.From, history.To));
    }

    [Fact]
    public async Task MoveDisputeAsync_StaleVersion_FalseAndNothingWritten()
    {
        var (cpo, emsp) = NewPair();
        var (d, _) = await Store.OpenDisputeAsync(Draft(cpo, emsp, "C1"), "EMSP x");
        var at = d.OpenedAt.AddMinutes(1);
        var declined = d with { State = DisputeState.Declined, Version = 2, UpdatedAt = at };
        var change = new DisputeEvent { DisputeId = d.Id, Version = 2, At = at, Actor = "CPO y", From = DisputeState.Open, To = DisputeState.Declined, Reason = "no" };

        Assert.True(await Store.MoveDisputeAsync(declined, change));
        Assert.False(await Store.MoveDisputeAsync(d with { State = DisputeState.Accepted, Version = 2 }, change with { To = DisputeState.Accepted }));

        Assert.Equal(declined, await Store.GetDisputeAsync(d.Id));
        Assert.Equal([DisputeState.Open, DisputeState.Declined], (await Store.ListDisputeEventsAsync(d.Id)).Select(e => e.To));
        Assert.Contains(await Store.ListDisputesAsync(new DisputeQuery { Cpo = cpo, State = DisputeState.Declined, Limit = 10 }), x => x.Id == d.Id);
        Assert.Empty(await Store.ListDisputesAsync(new DisputeQuery { Cpo = cpo, State = DisputeState.Open, Limit = 10 }));
    }

    [Fact]
    public async Task FindPriceMismatchesAsync_CountsSinceAndGivesExamples()
    {
        var (cpo, emsp) = NewPair();
        var far = new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await Cdrs.InsertAsync(cpo, [Cdr(cpo, emsp, "M1", far, PriceCheck.Mismatch), Cdr(cpo, emsp, "M2", far.AddHours(1), PriceCheck.Mismatch), Cdr(cpo, emsp, "OK", far)]);

        var (count, examples) = await Store.FindPriceMismatchesAsync(far, 1);

        Assert.Equal(2, count);
        Assert.Equal([(cpo, "M2")], examples);
    }

    private static DisputeRecord Draft(PartyKey cpo, PartyKey emsp, string cdrId) => new()
    {
        Id = 0, Cpo = cpo, CdrId = cdrId, Emsp = emsp, Currency = "EUR", CdrEnd = Oct, State = DisputeState.Open, OpenedBy = "EMSP x",
        Reason = "why", OpenedAt = Oct, UpdatedAt = Oct, Version = 1,
    };
}
