using System.Globalization;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using static ClearingHouse.Server.Tests.Infrastructure.Parties;

namespace ClearingHouse.Server.Tests.Invoices;

/// <summary>InvoiceService (invoice reconciliation) over real gRPC against an Embedded hub (SQLite), with the statements it reconciles against.</summary>
public sealed class InvoiceServiceTests(EmbeddedHubFixture fixture) : IClassFixture<EmbeddedHubFixture>
{
    private static readonly DateTimeOffset Day = new(2022, 1, 13, 0, 0, 0, TimeSpan.Zero);

    private HubHost Hub => fixture.Hub;

    /// <summary>A roaming pair with CDRs A, B, C (0.50/0.55 each), the credit B-CR of B and M (declares 7, flagged MISMATCH).</summary>
    private async Task<Roaming> SetUpAsync()
    {
        var roaming = await Roaming.SetUpAsync(Hub);
        await new TariffService.TariffServiceClient(roaming.CpoChannel(Hub)).PutTariffAsync(new PutTariffRequest { OcpiJson = Roaming.MinPriceTariff });
        var credit = roaming.CdrNode("B-CR", total: -0.50m, totalInclVat: -0.55m);
        credit["credit"] = true;
        credit["credit_reference_id"] = "B";
        var acks = await new CdrService.CdrServiceClient(roaming.CpoChannel(Hub)).SubmitCdrBatchAsync(new SubmitCdrBatchRequest
        {
            Cdrs = { roaming.Cdr("A"), roaming.Cdr("B"), roaming.Cdr("C"), credit.ToJsonString(), roaming.Cdr("M", total: 7m) },
        });
        Assert.All(acks.Acks, a => Assert.True(a.Status == CdrAckStatus.Accepted, $"{a.CdrId}: {a.Status} {string.Join("; ", a.Reasons)}"));
        return roaming;
    }

    private static InvoiceLine Line(string cdrId, string exclVat, string inclVat = "", string currency = "EUR") =>
        new() { CdrId = cdrId, Amount = new Price { ExclVat = exclVat, InclVat = inclVat, Currency = currency } };

    private static InvoiceReconciliationRecord Record(string id, PartyRef counterparty, IEnumerable<InvoiceLine> lines, params Price[] totals)
    {
        var record = new InvoiceReconciliationRecord { Id = id, InvoiceId = "INV-" + id, Counterparty = counterparty, LastUpdated = Timestamp.FromDateTimeOffset(Day.AddDays(2)) };
        record.Cdrs.AddRange(lines);
        record.Totals.AddRange(totals);
        return record;
    }

    private static Price Total(string exclVat, string inclVat = "", string currency = "EUR") => new() { ExclVat = exclVat, InclVat = inclVat, Currency = currency };

    private InvoiceService.InvoiceServiceClient Invoices(string secret) => new(Hub.Channel(secret));

    private Task<SubmitInvoiceResponse> SubmitAsync(string secret, InvoiceReconciliationRecord record) =>
        Invoices(secret).SubmitInvoiceAsync(new SubmitInvoiceRequest { Record = record }).ResponseAsync;

    private static string Describe(SubmitInvoiceResponse r) =>
        string.Join(" | ", r.Lines.Select(l => $"{l.Index} {l.CdrId} {l.Status} {string.Join("; ", l.Reasons.Select(x => $"{x.Field}: {x.Description}"))}")
            .Concat(r.Totals.Select(t => $"{t.Field}: {t.Description}")));

    private async Task<Statement> CloseDayAsync(Roaming roaming) =>
        (await new SettlementService.SettlementServiceClient(roaming.CpoChannel(Hub)).CloseStatementAsync(new CloseStatementRequest
        {
            Cpo = roaming.Cpo, Emsp = roaming.Emsp, Currency = "EUR", From = Timestamp.FromDateTimeOffset(Day), To = Timestamp.FromDateTimeOffset(Day.AddDays(1)),
        })).Statement;

    private async Task<Statement> GetDayAsync(Roaming roaming, string secret) =>
        (await new SettlementService.SettlementServiceClient(Hub.Channel(secret)).GetStatementAsync(new GetStatementRequest
        {
            Cpo = roaming.Cpo, Emsp = roaming.Emsp, Currency = "EUR", From = Timestamp.FromDateTimeOffset(Day), To = Timestamp.FromDateTimeOffset(Day.AddDays(1)),
        })).Statement;

    private static decimal D(string text) => decimal.Parse(text, CultureInfo.InvariantCulture);

    [Fact]
    public async Task SubmitInvoice_AgainstClosedStatement_ReconciledStoredAndStatementShowsInvoicedVsNot()
    {
        var roaming = await SetUpAsync();
        var statement = await CloseDayAsync(roaming);
        Assert.Equal((0, 4, 1.00m), (statement.InvoicedCount, statement.NotInvoicedCount, D(statement.NotInvoiced.ExclVat)));
        var record = Record("R-1", roaming.Emsp, [Line("A", "0.50", "0.55"), Line("B", "0.5"), Line("B-CR", "-0.50", "-0.55")], Total("0.50", "0.55"));
        record.StatementNumber = statement.Number;

        var response = await SubmitAsync(roaming.CpoSecret, record);

        Assert.True(response.Reconciled, Describe(response));
        Assert.True(response.Created);
        Assert.All(response.Lines, l => Assert.Equal(InvoiceLineStatus.Accepted, l.Status));
        Assert.Equal(("R-1", roaming.Cpo, roaming.Emsp, statement.Number), (response.Record.Id, response.Record.Owner, response.Record.Counterparty, response.Record.StatementNumber));
        Assert.Equal([0.55m, 0.55m, -0.55m], response.Record.Cdrs.Select(l => D(l.Amount.InclVat))); // B's incl. VAT taken from the CDR
        var shown = await GetDayAsync(roaming, roaming.EmspSecret);
        Assert.Equal((3, 0.50m, 0.55m), (shown.InvoicedCount, D(shown.Invoiced.ExclVat), D(shown.Invoiced.InclVat)));
        Assert.Equal((1, 0.50m), (shown.NotInvoicedCount, D(shown.NotInvoiced.ExclVat)));
        Assert.Equal(statement.ContentHash, shown.ContentHash);
        var read = await Invoices(roaming.EmspSecret).GetInvoiceAsync(new GetInvoiceRequest { Number = response.Record.Number });
        Assert.Equal(response.Record, read.Record);
        var listed = await Invoices(roaming.EmspSecret).ListInvoicesAsync(new ListInvoicesRequest());
        Assert.Equal([response.Record.Number], listed.Records.Select(r => r.Number));
    }

    [Fact]
    public async Task SubmitInvoice_RefusedLinesAndTotal_NothingStoredEveryReasonNamesItsField()
    {
        var roaming = await SetUpAsync();
        var record = Record("R-BAD", roaming.Emsp,
            [Line("NOPE", "1"), Line("M", "7"), Line("A", "0.50", currency: "USD"), Line("B", "0.40"), Line("C", "0.50"), Line("C", "0.50")],
            Total("9.00"), Total("0.50", currency: "USD"));

        var response = await SubmitAsync(roaming.CpoSecret, record);

        Assert.False(response.Reconciled, Describe(response));
        Assert.Null(response.Record);
        string[] Fields(int i) => [.. response.Lines[i].Reasons.Select(r => r.Field)];
        Assert.Equal(["cdrs[0].cdr_id"], Fields(0));
        Assert.Equal(["cdrs[1].cdr_id"], Fields(1));
        Assert.Contains("disputed", response.Lines[1].Reasons[0].Description, StringComparison.Ordinal);
        Assert.Equal(["cdrs[2].amount.currency"], Fields(2));
        Assert.Equal(["cdrs[3].amount.excl_vat"], Fields(3));
        Assert.Equal(InvoiceLineStatus.Accepted, response.Lines[4].Status);
        Assert.Equal(["cdrs[5].cdr_id"], Fields(5));
        Assert.Equal(["totals[0].excl_vat"], response.Totals.Select(t => t.Field));
        Assert.Empty((await Invoices(roaming.CpoSecret).ListInvoicesAsync(new ListInvoicesRequest())).Records);
        var statement = await GetDayAsync(roaming, roaming.CpoSecret);
        Assert.Equal(0, statement.InvoicedCount);

        // Nothing was stored: the fixed record goes through under the same id.
        var fixedRecord = Record("R-BAD", roaming.Emsp, [Line("A", "0.50"), Line("C", "0.50")], Total("1.00"));
        var again = await SubmitAsync(roaming.CpoSecret, fixedRecord);
        Assert.True(again.Reconciled, Describe(again));
    }

    [Fact]
    public async Task SubmitInvoice_ReverseBillingCdrAlreadyInvoiced_RefusedWithTheInvoiceThenTheRestAccepted()
    {
        var roaming = await SetUpAsync();
        var direct = await SubmitAsync(roaming.CpoSecret, Record("CPO-1", roaming.Emsp, [Line("A", "0.50")], Total("0.50")));
        Assert.True(direct.Reconciled, Describe(direct));

        var reverse = await SubmitAsync(roaming.EmspSecret, Record("EMSP-1", roaming.Cpo, [Line("A", "0.50"), Line("C", "0.50")], Total("1.00")));
        var rest = await SubmitAsync(roaming.EmspSecret, Record("EMSP-2", roaming.Cpo, [Line("C", "0.50")], Total("0.50")));

        Assert.False(reverse.Reconciled);
        var refused = Assert.Single(reverse.Lines, l => l.Status == InvoiceLineStatus.Refused);
        Assert.Equal(("A", "cdrs[0].cdr_id"), (refused.CdrId, refused.Reasons.Single().Field));
        Assert.Contains($"already invoiced by invoice {direct.Record.Number}", refused.Reasons[0].Description, StringComparison.Ordinal);
        Assert.True(rest.Reconciled, Describe(rest));
        Assert.Equal((roaming.Emsp, roaming.Cpo), (rest.Record.Owner, rest.Record.Counterparty));
        var statement = await GetDayAsync(roaming, roaming.CpoSecret);
        Assert.Equal((2, 2), (statement.InvoicedCount, statement.NotInvoicedCount));
    }

    [Fact]
    public async Task SubmitInvoice_CdrOfAnotherPair_RefusedLikeAnUnknownCdr()
    {
        var roaming = await SetUpAsync();
        var other = Unique(PartyRole.Emsp, "BE");
        var otherSecret = await RegisterWithCredentialAsync(Hub.Channel(Hub.OperatorSecret), other);

        var response = await SubmitAsync(otherSecret, Record("X-1", roaming.Cpo, [Line("A", "0.50")], Total("0.50")));

        Assert.False(response.Reconciled);
        var reason = Assert.Single(response.Lines[0].Reasons);
        Assert.Equal("cdrs[0].cdr_id", reason.Field);
        Assert.StartsWith("there is no CDR 'A'", reason.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetInvoice_ThirdPartyAndSuspendedParty_Denied_OperatorReads()
    {
        var roaming = await SetUpAsync();
        var stored = (await SubmitAsync(roaming.CpoSecret, Record("R-1", roaming.Emsp, [Line("A", "0.50")], Total("0.50")))).Record;
        var third = Unique(PartyRole.Emsp, "BE");
        var thirdSecret = await RegisterWithCredentialAsync(Hub.Channel(Hub.OperatorSecret), third);
        var admin = new PartyAdminService.PartyAdminServiceClient(Hub.Channel(Hub.OperatorSecret));

        await AssertFails(StatusCode.NotFound, () => Invoices(thirdSecret).GetInvoiceAsync(new GetInvoiceRequest { Number = stored.Number }).ResponseAsync);
        Assert.Empty((await Invoices(thirdSecret).ListInvoicesAsync(new ListInvoicesRequest())).Records);
        await AssertFails(StatusCode.PermissionDenied, () => Invoices(thirdSecret).ListInvoicesAsync(new ListInvoicesRequest { Emsp = roaming.Emsp }).ResponseAsync);
        await admin.SuspendPartyAsync(new SuspendPartyRequest { Party = roaming.Emsp, Reason = "test" });
        var suspended = await AssertFails(StatusCode.PermissionDenied, () => Invoices(roaming.EmspSecret).GetInvoiceAsync(new GetInvoiceRequest { Number = stored.Number }).ResponseAsync);
        Assert.Contains("suspended", suspended.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(stored, (await Invoices(Hub.OperatorSecret).GetInvoiceAsync(new GetInvoiceRequest { Number = stored.Number })).Record);
        Assert.Equal(stored, (await Invoices(roaming.CpoSecret).GetInvoiceAsync(new GetInvoiceRequest { Number = stored.Number })).Record);
    }

    [Fact]
    public async Task SubmitInvoice_BadRecordOrCaller_RefusedAsAWholeNamingTheField()
    {
        var roaming = await SetUpAsync();
        var other = await SetUpAsync();
        var otherStatement = await CloseDayAsync(other);
        var good = Record("R-1", roaming.Emsp, [Line("A", "0.50")], Total("0.50"));

        var sameRole = await AssertFails(StatusCode.InvalidArgument, () => SubmitAsync(roaming.CpoSecret, Record("R-1", roaming.Cpo, [Line("A", "0.50")], Total("0.50"))));
        var noId = await AssertFails(StatusCode.InvalidArgument, () => SubmitAsync(roaming.CpoSecret, Record("", roaming.Emsp, [Line("A", "0.50")], Total("0.50"))));
        var noCdrs = await AssertFails(StatusCode.InvalidArgument, () => SubmitAsync(roaming.CpoSecret, Record("R-1", roaming.Emsp, [], Total("0.50"))));
        var foreignStatement = good.Clone();
        foreignStatement.StatementNumber = otherStatement.Number;
        var statement = await AssertFails(StatusCode.InvalidArgument, () => SubmitAsync(roaming.CpoSecret, foreignStatement));
        await AssertFails(StatusCode.PermissionDenied, () => SubmitAsync(Hub.OperatorSecret, good));

        Assert.Equal(["counterparty.role"], ViolatedFields(sameRole));
        Assert.Equal(["id"], ViolatedFields(noId));
        Assert.Equal(["cdrs"], ViolatedFields(noCdrs));
        Assert.Equal(["statement_number"], ViolatedFields(statement));

        // The same record again returns the stored one; the same id with other content is refused.
        var first = await SubmitAsync(roaming.CpoSecret, good);
        var retry = await SubmitAsync(roaming.CpoSecret, good);
        var changed = Record("R-1", roaming.Emsp, [Line("C", "0.50")], Total("0.50"));
        var conflict = await AssertFails(StatusCode.AlreadyExists, () => SubmitAsync(roaming.CpoSecret, changed));
        Assert.True(first.Created);
        Assert.Equal((true, false, first.Record.Number), (retry.Reconciled, retry.Created, retry.Record.Number));
        Assert.Equal(["id"], ViolatedFields(conflict));
    }
}
