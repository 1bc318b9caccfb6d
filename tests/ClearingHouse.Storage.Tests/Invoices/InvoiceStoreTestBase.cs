using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Invoices;
using ClearingHouse.Grains.Settlement;
using ClearingHouse.Storage.Tests.Infrastructure;

namespace ClearingHouse.Storage.Tests.Invoices;

/// <summary>The <see cref="IInvoiceStore"/> contract, on each real backend.</summary>
public abstract class InvoiceStoreTestBase : IAsyncLifetime
{
    private static int _counter;
    private static readonly DateTimeOffset Oct = new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Nov = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly StoreBackend _backend;

    protected InvoiceStoreTestBase(StoreBackend backend) => _backend = backend;

    private IInvoiceStore Store { get; set; } = null!;

    private ISettlementStore Settlement { get; set; } = null!;

    public async Task InitializeAsync()
    {
        Settlement = await _backend.CreateSettlementStoreAsync();
        Store = _backend.CreateInvoiceStore();
    }

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    private static (PartyKey Cpo, PartyKey Emsp) NewPair()
    {
        var n = Interlocked.Increment(ref _counter);
        var id = $"{(char)('A' + (n % 26))}{(char)('A' + (n / 26 % 26))}{(char)('A' + Environment.ProcessId % 26)}";
        return (new PartyKey("FR", id, PartyRole.Cpo), new PartyKey("IT", id, PartyRole.Emsp));
    }

    private static InvoiceRecord Draft(PartyKey owner, PartyKey cpo, PartyKey emsp, string id, params InvoiceLineRecord[] lines) => new()
    {
        Number = 0, Owner = owner, Id = id, InvoiceId = "INV-" + id, Cpo = cpo, Emsp = emsp, Lines = lines,
        Totals = lines.GroupBy(l => l.Currency).Select(g => new InvoiceTotalRecord(g.Key, g.Sum(l => l.ExclVat), g.Sum(l => l.InclVat))).ToList(),
        LastUpdated = Nov, ReceivedAt = Nov.AddHours(1),
    };

    private static InvoiceLineRecord L(string cdrId, string currency, decimal exclVat, decimal inclVat) => new(cdrId, currency, exclVat, inclVat);

    [Fact]
    public async Task InsertAsync_NewRecord_StoredWithExactAmountsAndCdrsMarked()
    {
        var (cpo, emsp) = NewPair();
        var draft = Draft(cpo, cpo, emsp, "R1", L("A", "EUR", 2.50m, 3.025m), L("B-CR", "EUR", -1.2m, -1.452m), L("C", "USD", 7m, 7m));

        var (stored, created) = await Store.InsertAsync(draft);

        Assert.True(created);
        Assert.True(stored.Number > 0);
        var read = await Store.GetAsync(stored.Number);
        Assert.NotNull(read);
        Assert.Equal(["A 2.50 3.025", "B-CR -1.2 -1.452", "C 7 7"], read.Lines.Select(l => $"{l.CdrId} {l.ExclVat} {l.InclVat}"));
        Assert.Equal(["EUR 1.30 1.573", "USD 7 7"], read.Totals.Select(t => $"{t.Currency} {t.ExclVat} {t.InclVat}"));
        Assert.Equal((draft.Owner, draft.Id, draft.InvoiceId, draft.Cpo, draft.Emsp, draft.LastUpdated, draft.ReceivedAt, (long?)null),
            (read.Owner, read.Id, read.InvoiceId, read.Cpo, read.Emsp, read.LastUpdated, read.ReceivedAt, read.StatementNumber));
        Assert.Equal(stored.Number, (await Store.FindAsync(cpo, "R1"))?.Number);
        Assert.Null(await Store.FindAsync(emsp, "R1"));
        var invoiced = await Store.FindInvoicedAsync(cpo, ["A", "B-CR", "C", "X"]);
        Assert.Equal(["A", "B-CR", "C"], invoiced.Keys.Order());
        Assert.All(invoiced.Values, n => Assert.Equal(stored.Number, n));
    }

    [Fact]
    public async Task InsertAsync_SameRecordIdTwice_SecondReturnsStoredNotCreated()
    {
        var (cpo, emsp) = NewPair();
        var (first, _) = await Store.InsertAsync(Draft(emsp, cpo, emsp, "R1", L("A", "EUR", 1m, 1m)));

        var (second, created) = await Store.InsertAsync(Draft(emsp, cpo, emsp, "R1", L("B", "EUR", 1m, 1m)));

        Assert.False(created);
        Assert.Equal(first.Number, second.Number);
        Assert.Equal(["A"], second.Lines.Select(l => l.CdrId));
        Assert.Empty(await Store.FindInvoicedAsync(cpo, ["B"]));
    }

    [Fact]
    public async Task InsertAsync_CdrInvoicedByAnotherInvoice_FailedPreconditionNothingWritten()
    {
        var (cpo, emsp) = NewPair();
        var (first, _) = await Store.InsertAsync(Draft(cpo, cpo, emsp, "R1", L("A", "EUR", 1m, 1m)));

        var error = await Assert.ThrowsAsync<HubException>(() => Store.InsertAsync(Draft(emsp, cpo, emsp, "R2", L("B", "EUR", 1m, 1m), L("A", "EUR", 1m, 1m))));

        Assert.Equal(HubErrorCode.FailedPrecondition, error.Code);
        Assert.Null(await Store.FindAsync(emsp, "R2"));
        Assert.Empty(await Store.FindInvoicedAsync(cpo, ["B"]));
        Assert.Equal(first.Number, (await Store.FindInvoicedAsync(cpo, ["A"]))["A"]);
    }

    [Fact]
    public async Task SumInvoicedOnStatementAsync_OnlyInvoicedCdrsTheStatementSettled()
    {
        var (cpo, emsp) = NewPair();
        var (statement, _) = await Settlement.CloseAsync(new StatementKey(cpo, emsp, "EUR", Oct, Nov), "test", Nov, async (add, _) =>
        {
            await add(new StatementLineRow(1, "A", true, "1,CHARGE,A"));
            await add(new StatementLineRow(2, "B", true, "2,CHARGE,B"));
            await add(new StatementLineRow(3, "D", false, "3,DISPUTED,D"));
            return new StatementContent(3, "{}", "hash");
        });
        Assert.Equal(InvoicedSum.None, await Store.SumInvoicedOnStatementAsync(statement.Number));

        await Store.InsertAsync(Draft(cpo, cpo, emsp, "R1", L("A", "EUR", 2.25m, 2.7225m), L("D", "EUR", 4m, 4m), L("N", "EUR", 1m, 1m)));

        Assert.Equal(new InvoicedSum(1, 2.25m, 2.7225m), await Store.SumInvoicedOnStatementAsync(statement.Number));
        var settling = await Store.FindSettlingStatementsAsync(cpo, ["A", "B", "D", "N"]);
        Assert.Equal(["A", "B"], settling.Keys.Order());
        Assert.All(settling.Values, n => Assert.Equal(statement.Number, n));
    }

    [Fact]
    public async Task ListAsync_ByCpoOrEmsp_PagedByNumber()
    {
        var (cpo, emsp) = NewPair();
        var (otherCpo, _) = NewPair();
        var a = (await Store.InsertAsync(Draft(cpo, cpo, emsp, "R1", L("A", "EUR", 1m, 1m)))).Invoice;
        var b = (await Store.InsertAsync(Draft(emsp, cpo, emsp, "R2", L("B", "EUR", 1m, 1m)))).Invoice;
        var c = (await Store.InsertAsync(Draft(otherCpo, otherCpo, emsp, "R3", L("C", "EUR", 1m, 1m)))).Invoice;

        var byCpo = await Store.ListAsync(new InvoiceQuery { Cpo = cpo, Limit = 10 });
        var byEmsp = await Store.ListAsync(new InvoiceQuery { Emsp = emsp, Limit = 10 });
        var secondPage = await Store.ListAsync(new InvoiceQuery { Emsp = emsp, AfterNumber = a.Number, Limit = 1 });

        Assert.Equal([a.Number, b.Number], byCpo.Select(i => i.Number));
        Assert.Equal([a.Number, b.Number, c.Number], byEmsp.Select(i => i.Number));
        Assert.Equal([b.Number], secondPage.Select(i => i.Number));
        Assert.Equal(["B"], secondPage[0].Lines.Select(l => l.CdrId));
    }
}
