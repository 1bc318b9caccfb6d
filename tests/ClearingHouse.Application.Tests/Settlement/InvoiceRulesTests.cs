using ClearingHouse.Application.Settlement.Invoices;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Settlement;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Invoices;
using ClearingHouse.Grains.Settlement;

namespace ClearingHouse.Application.Tests.Settlement;

/// <summary>The reconciliation rules on their own: one line against the facts about its CDR, the totals against the lines.</summary>
public sealed class InvoiceRulesTests
{
    private static readonly PartyKey Cpo = new("NL", "RUL", PartyRole.Cpo);
    private static readonly PartyKey Emsp = new("DE", "RUL", PartyRole.Emsp);
    private static readonly DateTimeOffset End = new(2026, 10, 3, 9, 0, 0, TimeSpan.Zero);

    private static StoredCdr Cdr(string id = "A", decimal excl = 3.75m, decimal? incl = 4.5375m, bool credit = false, PriceCheck check = PriceCheck.Matched, PartyKey? emsp = null) => new()
    {
        Cpo = Cpo, Id = id, Emsp = emsp ?? Emsp, StartDateTime = End.AddHours(-1), EndDateTime = End, Currency = "EUR",
        TotalCostExclVat = excl, TotalCostInclVat = incl, Credit = credit, PriceCheck = check, ReceivedAt = End, OcpiJson = "{}",
    };

    private static DisputeRecord Dispute(DisputeState state) => new()
    {
        Id = 7, Cpo = Cpo, CdrId = "A", Emsp = Emsp, Currency = "EUR", CdrEnd = End, State = state, OpenedBy = "hub", Reason = "r",
        OpenedAt = End, UpdatedAt = End, Version = 1,
    };

    private static ClosedStatement Statement(long number, string currency = "EUR") => new()
    {
        Number = number, Key = new StatementKey(Cpo, Emsp, currency, End.AddDays(-2), End.AddDays(20)), ClosedAt = End.AddDays(30),
        ClosedBy = "test", LineCount = 1, TotalsJson = "{}", ContentHash = "h",
    };

    private static IReadOnlyList<string> Fields(IReadOnlyList<InvoiceProblem> problems) => problems.Select(p => p.Field).ToList();

    private static IReadOnlyList<InvoiceProblem> Check(InvoiceLineDraft line, StoredCdr? cdr, DisputeRecord? dispute = null, long? invoicedBy = null, long? settledBy = null, ClosedStatement? statement = null) =>
        InvoiceRules.CheckLine(2, line, Cpo, Emsp, new InvoiceLineFacts(cdr, dispute, invoicedBy, settledBy), statement);

    [Theory]
    [InlineData("3.75", "4.5375")]
    [InlineData("3.7500", "4.53750")]
    [InlineData("3.75", "")]
    public void CheckLine_AmountsEqualAsDecimals_Accepted(string excl, string incl) =>
        Assert.Empty(Check(new InvoiceLineDraft("A", excl, incl, "EUR"), Cdr()));

    [Fact]
    public void CheckLine_CreditDeclaredPositiveInTheCdr_LineMustBeNegativeAsOnStatements()
    {
        var credit = Cdr("A-CR", excl: 9m, incl: 10.89m, credit: true);

        Assert.Empty(Check(new InvoiceLineDraft("A-CR", "-9", "-10.89", "EUR"), credit));
        Assert.Equal(["cdrs[2].amount.excl_vat", "cdrs[2].amount.incl_vat"], Fields(Check(new InvoiceLineDraft("A-CR", "9", "10.89", "EUR"), credit)));
    }

    [Fact]
    public void CheckLine_CdrWithoutInclVat_InclVatIsExclVat()
    {
        Assert.Empty(Check(new InvoiceLineDraft("A", "3.75", "3.75", "EUR"), Cdr(incl: null)));
        Assert.Equal(["cdrs[2].amount.incl_vat"], Fields(Check(new InvoiceLineDraft("A", "3.75", "4.5375", "EUR"), Cdr(incl: null))));
    }

    [Fact]
    public void CheckLine_UnknownOrOtherPairsCdr_SameAnswerNamingCdrId()
    {
        var unknown = Check(new InvoiceLineDraft("A", "3.75", "", "EUR"), null);
        var foreign = Check(new InvoiceLineDraft("A", "3.75", "", "EUR"), Cdr(emsp: new PartyKey("BE", "OTH", PartyRole.Emsp)));

        Assert.Equal(["cdrs[2].cdr_id"], Fields(unknown));
        Assert.Equal(unknown, foreign);
    }

    [Theory]
    [InlineData(DisputeState.Open, true)]
    [InlineData(DisputeState.Declined, true)]
    [InlineData(DisputeState.Accepted, false)]
    [InlineData(DisputeState.Revised, false)]
    [InlineData(DisputeState.Resolved, false)]
    public void CheckLine_Dispute_RefusedWhileItKeepsTheCdrApart(DisputeState state, bool refused)
    {
        var problems = Check(new InvoiceLineDraft("A", "3.75", "", "EUR"), Cdr(), Dispute(state));

        Assert.Equal(refused ? ["cdrs[2].cdr_id"] : [], Fields(problems));
    }

    [Fact]
    public void CheckLine_MismatchWithoutDispute_RefusedAsDisputed()
    {
        var problems = Check(new InvoiceLineDraft("A", "3.75", "", "EUR"), Cdr(check: PriceCheck.Mismatch));

        Assert.Contains("MISMATCH", Assert.Single(problems).Description, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckLine_InvoicedOrSettledElsewhereOrOtherCurrency_EachReasonNamesItsField()
    {
        var line = new InvoiceLineDraft("A", "3.75", "", "EUR");

        Assert.Contains("invoice 4", Assert.Single(Check(line, Cdr(), invoicedBy: 4)).Description, StringComparison.Ordinal);
        Assert.Contains("statement 2, not statement 3", Assert.Single(Check(line, Cdr(), settledBy: 2, statement: Statement(3))).Description, StringComparison.Ordinal);
        Assert.Contains("no closed statement", Assert.Single(Check(line, Cdr(), statement: Statement(3))).Description, StringComparison.Ordinal);
        Assert.Empty(Check(line, Cdr(), settledBy: 3, statement: Statement(3)));
        Assert.Equal(["cdrs[2].amount.currency"], Fields(Check(line with { Currency = "USD" }, Cdr())));
        Assert.Equal(["cdrs[2].amount.excl_vat"], Fields(Check(line with { ExclVat = "3,75" }, Cdr())));
        Assert.Equal(["cdrs[2].cdr_id"], Fields(Check(line with { CdrId = "" }, Cdr())));
    }

    [Fact]
    public void CheckTotals_PerCurrency_ExactSumsAccepted()
    {
        var lines = new InvoiceLineRecord[] { new("A", "EUR", 3.75m, 4.5375m), new("B-CR", "EUR", -9m, -10.89m), new("U", "USD", 2m, 2m) };

        var (sums, problems) = InvoiceRules.CheckTotals(lines, [new InvoiceTotalDraft("USD", "2.00", ""), new InvoiceTotalDraft("EUR", "-5.25", "-6.3525")]);

        Assert.Empty(problems);
        Assert.Equal([new InvoiceTotalRecord("EUR", -5.25m, -6.3525m), new InvoiceTotalRecord("USD", 2m, 2m)], sums);
    }

    [Fact]
    public void CheckTotals_WrongMissingExtraOrTwice_EachNamesItsField()
    {
        var lines = new InvoiceLineRecord[] { new("A", "EUR", 3.75m, 4.5375m), new("U", "USD", 2m, 2m) };

        var (_, problems) = InvoiceRules.CheckTotals(lines,
            [new InvoiceTotalDraft("EUR", "3.74", "4.5375"), new InvoiceTotalDraft("GBP", "1", ""), new InvoiceTotalDraft("EUR", "3.75", "")]);

        Assert.Equal(["totals[0].excl_vat", "totals[1].currency", "totals[2].currency", "totals"], Fields(problems));
    }
}
