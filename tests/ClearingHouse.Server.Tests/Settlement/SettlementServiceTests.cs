using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using static ClearingHouse.Server.Tests.Infrastructure.Parties;

namespace ClearingHouse.Server.Tests.Settlement;

/// <summary>SettlementService and DisputeService over real gRPC against an Embedded hub (SQLite).</summary>
public sealed class SettlementServiceTests(EmbeddedHubFixture fixture) : IClassFixture<EmbeddedHubFixture>
{
    private static readonly DateTimeOffset Day = new(2022, 1, 13, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private HubHost Hub => fixture.Hub;

    private async Task<Roaming> SetUpAsync(params string[] cdrs)
    {
        var roaming = await Roaming.SetUpAsync(Hub);
        await new TariffService.TariffServiceClient(roaming.CpoChannel(Hub)).PutTariffAsync(new PutTariffRequest { OcpiJson = Roaming.MinPriceTariff });
        if (cdrs.Length > 0)
        {
            await SubmitAsync(roaming, cdrs);
        }

        return roaming;
    }

    private async Task SubmitAsync(Roaming roaming, params string[] cdrs)
    {
        var response = await new CdrService.CdrServiceClient(roaming.CpoChannel(Hub)).SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { cdrs } });
        Assert.All(response.Acks, a => Assert.Equal(CdrAckStatus.Accepted, a.Status));
    }

    private static string Credit(Roaming roaming, string id, string of, decimal total = 0.50m)
    {
        var node = roaming.CdrNode(id, total: -total, totalInclVat: -total * 1.1m);
        node["credit"] = true;
        node["credit_reference_id"] = of;
        return node.ToJsonString();
    }

    private static GetStatementRequest Period(Roaming roaming, DateTimeOffset from, DateTimeOffset to, string currency = "EUR") => new()
    {
        Cpo = roaming.Cpo, Emsp = roaming.Emsp, Currency = currency, From = Timestamp.FromDateTimeOffset(from), To = Timestamp.FromDateTimeOffset(to),
    };

    private static CloseStatementRequest Close(GetStatementRequest p) => new() { Cpo = p.Cpo, Emsp = p.Emsp, Currency = p.Currency, From = p.From, To = p.To };

    private SettlementService.SettlementServiceClient Settlement(string secret) => new(Hub.Channel(secret));

    private static decimal D(string text) => decimal.Parse(text, CultureInfo.InvariantCulture);

    private async Task<string> ExportAsync(string secret, long number, StatementFormat format)
    {
        using var call = Settlement(secret).ExportStatement(new ExportStatementRequest { Number = number, Format = format }, deadline: DateTime.UtcNow.Add(Timeout));
        var bytes = new List<byte>();
        while (await call.ResponseStream.MoveNext())
        {
            bytes.AddRange(call.ResponseStream.Current.Chunk);
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }

    [Fact]
    public async Task GetStatement_CreditAndMismatch_CreditNettedMismatchApartAndHubDisputeOpened()
    {
        var roaming = await SetUpAsync();
        await SubmitAsync(roaming, roaming.Cdr("A"), roaming.Cdr("B"), roaming.Cdr("M", total: 7m));
        await SubmitAsync(roaming, Credit(roaming, "B-CR", "B"));

        var s = (await Settlement(roaming.EmspSecret).GetStatementAsync(Period(roaming, Day, Day.AddDays(1)))).Statement;

        Assert.False(s.Closed);
        Assert.Equal(4, s.LineCount);
        Assert.Equal((3, 0.50m, 0.55m), (s.Payable.Count, D(s.Payable.Total.ExclVat), D(s.Payable.Total.InclVat)));
        Assert.Equal((1, -0.50m), (s.Credits.Count, D(s.Credits.Total.ExclVat)));
        Assert.Equal((1, 7m), (s.Disputed.Count, D(s.Disputed.Total.ExclVat)));
        Assert.Equal(1.2m, D(s.Payable.EnergyKwh));
        Assert.Equal("0.50", s.AmountDue.ExclVat);
        var disputes = await new DisputeService.DisputeServiceClient(roaming.EmspChannel(Hub)).ListDisputesAsync(new ListDisputesRequest());
        var hub = Assert.Single(disputes.Disputes);
        Assert.Equal(("M", "hub", DisputeState.Open), (hub.CdrId, hub.OpenedBy, hub.State));
    }

    [Fact]
    public async Task CloseStatement_LateCdr_AdjustmentInNextStatementAndClosedOneUnchanged()
    {
        var roaming = await SetUpAsync();
        await SubmitAsync(roaming, roaming.Cdr("A"), roaming.Cdr("B"));
        var period = Period(roaming, Day, Day.AddDays(1));
        var closed = await Settlement(roaming.CpoSecret).CloseStatementAsync(Close(period));

        await SubmitAsync(roaming, roaming.Cdr("LATE"));
        var again = await Settlement(roaming.EmspSecret).CloseStatementAsync(Close(period));
        var next = (await Settlement(roaming.EmspSecret).GetStatementAsync(Period(roaming, Day.AddDays(1), Day.AddDays(30)))).Statement;
        var csv = await ExportAsync(roaming.EmspSecret, closed.Statement.Number, StatementFormat.Csv);

        Assert.True(closed.Created);
        Assert.False(again.Created);
        Assert.Equal(closed.Statement, again.Statement);
        Assert.Equal((2, "1.00"), (closed.Statement.LineCount, closed.Statement.Payable.Total.ExclVat));
        Assert.Equal((1, 1, 0.50m), (next.Payable.Count, next.Adjustments.Count, D(next.Adjustments.Total.ExclVat)));
        Assert.Equal(closed.Statement.ContentHash, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(csv))));
        var lines = csv.TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("line,kind,cdr_id,", lines[0], StringComparison.Ordinal);
        Assert.Equal(["A", "B"], lines[1..].Select(l => l.Split(',')[2]).Order());
        Assert.Equal(closed.Statement, (await Settlement(roaming.CpoSecret).GetStatementAsync(period)).Statement);

        // Closing the next period settles the late CDR there, exactly once.
        var nextClosed = await Settlement(roaming.CpoSecret).CloseStatementAsync(Close(Period(roaming, Day.AddDays(1), Day.AddDays(30))));
        Assert.Equal(1, nextClosed.Statement.Adjustments.Count);
        var third = (await Settlement(roaming.CpoSecret).GetStatementAsync(Period(roaming, Day.AddDays(30), Day.AddDays(60)))).Statement;
        Assert.Equal(0, third.LineCount);
    }

    [Fact]
    public async Task ExportStatement_HtmlAtMinorUnit_CsvExact()
    {
        var roaming = await SetUpAsync();
        await SubmitAsync(roaming, roaming.Cdr("R-1", total: 27.455m, totalInclVat: 33.2206m));
        var closed = await Settlement(Hub.OperatorSecret).CloseStatementAsync(Close(Period(roaming, Day, Day.AddDays(1))));

        var html = await ExportAsync(roaming.CpoSecret, closed.Statement.Number, StatementFormat.Html);
        var csv = await ExportAsync(roaming.CpoSecret, closed.Statement.Number, StatementFormat.Csv);

        Assert.Contains("<td>27.46</td><td>33.22</td>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("27.455", html, StringComparison.Ordinal);
        Assert.DoesNotContain("33.2206", html, StringComparison.Ordinal);
        Assert.Contains("27.455,33.2206", csv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExportStatement_Html_PrintableWithPartiesTotalsAndLines()
    {
        var roaming = await SetUpAsync();
        await SubmitAsync(roaming, roaming.Cdr("H-1"), roaming.Cdr("H-2", total: 7m));
        var closed = await Settlement(Hub.OperatorSecret).CloseStatementAsync(Close(Period(roaming, Day, Day.AddDays(1))));

        var html = await ExportAsync(roaming.CpoSecret, closed.Statement.Number, StatementFormat.Html);

        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.Contains($"Roaming statement {closed.Statement.Number}", html, StringComparison.Ordinal);
        Assert.Contains($"({roaming.Cpo.CountryCode}-{roaming.Cpo.PartyId}-CPO)", html, StringComparison.Ordinal);
        Assert.Contains(closed.Statement.ContentHash, html, StringComparison.Ordinal);
        Assert.Contains("Amount due: 0.50 EUR excl. VAT, 0.55 EUR incl. VAT", html, StringComparison.Ordinal);
        Assert.Contains("<td class=\"l\">H-2</td>", html, StringComparison.Ordinal);
        Assert.EndsWith("</html>\n", html, StringComparison.Ordinal);
        var audit = await new OpsService.OpsServiceClient(Hub.Channel(Hub.OperatorSecret)).ListAuditLogAsync(new ListAuditLogRequest { Limit = 1000 });
        Assert.Contains(audit.Entries, e => e.Action == "statements.close" && e.Target == $"statement {closed.Statement.Number}");
    }

    [Fact]
    public async Task Statements_PartyOfNeitherSide_DeniedAndNothingLeaks()
    {
        var roaming = await SetUpAsync();
        await SubmitAsync(roaming, roaming.Cdr("P-1"));
        var period = Period(roaming, Day, Day.AddDays(1));
        var closed = await Settlement(roaming.CpoSecret).CloseStatementAsync(Close(period));
        var stranger = await Roaming.SetUpAsync(Hub);

        foreach (var secret in new[] { stranger.CpoSecret, stranger.EmspSecret })
        {
            var get = await Assert.ThrowsAsync<RpcException>(() => Settlement(secret).GetStatementAsync(period).ResponseAsync);
            var close = await Assert.ThrowsAsync<RpcException>(() => Settlement(secret).CloseStatementAsync(Close(period)).ResponseAsync);
            var export = await Assert.ThrowsAsync<RpcException>(() => ExportAsync(secret, closed.Statement.Number, StatementFormat.Csv));
            Assert.Equal((StatusCode.PermissionDenied, StatusCode.PermissionDenied, StatusCode.NotFound), (get.StatusCode, close.StatusCode, export.StatusCode));
            Assert.Empty((await Settlement(secret).ListStatementsAsync(new ListStatementsRequest())).Statements);
        }

        var named = await Assert.ThrowsAsync<RpcException>(() => Settlement(stranger.EmspSecret).ListStatementsAsync(new ListStatementsRequest { Emsp = roaming.Emsp }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, named.StatusCode);
    }

    public static TheoryData<int, int, string, string> BadPeriods() => new()
    {
        { 0, 0, "EUR", "to" },
        { 2, 1, "EUR", "to" },
        { 0, 93, "EUR", "to" },
        { 0, 1, "ZZZ", "currency" },
        { 0, 1, "", "currency" },
    };

    [Theory]
    [MemberData(nameof(BadPeriods))]
    public async Task Rejects_BadPeriodOrCurrency_InvalidArgumentAndNothingClosed(int fromDay, int toDay, string currency, string field)
    {
        var roaming = await SetUpAsync();
        var request = Period(roaming, Day.AddDays(fromDay), Day.AddDays(toDay), currency);

        var get = await Assert.ThrowsAsync<RpcException>(() => Settlement(roaming.CpoSecret).GetStatementAsync(request).ResponseAsync);
        var close = await Assert.ThrowsAsync<RpcException>(() => Settlement(roaming.CpoSecret).CloseStatementAsync(Close(request)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, get.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, close.StatusCode);
        Assert.Contains(field, get.Status.Detail + field, StringComparison.Ordinal);
        Assert.Empty((await Settlement(roaming.CpoSecret).ListStatementsAsync(new ListStatementsRequest())).Statements);
    }

    [Fact]
    public async Task GetStatement_OverlapsClosedPeriod_FailedPrecondition()
    {
        var roaming = await SetUpAsync();
        await Settlement(roaming.CpoSecret).CloseStatementAsync(Close(Period(roaming, Day, Day.AddDays(1))));

        var error = await Assert.ThrowsAsync<RpcException>(() => Settlement(roaming.CpoSecret).GetStatementAsync(Period(roaming, Day.AddHours(12), Day.AddDays(2))).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
    }

    [Fact]
    public async Task Disputes_Workflow_PermissionsRevisionAndHistory()
    {
        var roaming = await SetUpAsync();
        await SubmitAsync(roaming, roaming.Cdr("X"));
        var emsp = new DisputeService.DisputeServiceClient(roaming.EmspChannel(Hub));
        var cpo = new DisputeService.DisputeServiceClient(roaming.CpoChannel(Hub));
        var op = new DisputeService.DisputeServiceClient(Hub.Channel(Hub.OperatorSecret));

        var opened = (await emsp.OpenDisputeAsync(new OpenDisputeRequest { Cpo = roaming.Cpo, CdrId = "X", Reason = "too expensive" })).Dispute;
        var period = Period(roaming, Day, Day.AddDays(1));
        Assert.Equal(1, (await Settlement(roaming.EmspSecret).GetStatementAsync(period)).Statement.Disputed.Count);

        async Task<StatusCode> Refused(DisputeService.DisputeServiceClient client, DisputeState to, string credit = "", string fresh = "") =>
            (await Assert.ThrowsAsync<RpcException>(() => client.MoveDisputeAsync(new MoveDisputeRequest { Id = opened.Id, To = to, Reason = "r", CreditCdrId = credit, NewCdrId = fresh }).ResponseAsync)).StatusCode;

        Assert.Equal(StatusCode.AlreadyExists, (await Assert.ThrowsAsync<RpcException>(() => emsp.OpenDisputeAsync(new OpenDisputeRequest { Cpo = roaming.Cpo, CdrId = "X", Reason = "again" }).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() => cpo.OpenDisputeAsync(new OpenDisputeRequest { Cpo = roaming.Cpo, CdrId = "X", Reason = "r" }).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, await Refused(emsp, DisputeState.Declined));
        Assert.Equal(StatusCode.PermissionDenied, await Refused(cpo, DisputeState.Accepted));
        Assert.Equal(StatusCode.PermissionDenied, await Refused(cpo, DisputeState.Resolved));
        Assert.Equal(StatusCode.FailedPrecondition, await Refused(op, DisputeState.Open));
        Assert.Equal(StatusCode.InvalidArgument, await Refused(cpo, DisputeState.Revised));
        Assert.Equal(StatusCode.InvalidArgument, await Refused(cpo, DisputeState.Revised, credit: "X", fresh: "X"));
        var stranger = await Roaming.SetUpAsync(Hub);
        Assert.Equal(StatusCode.NotFound, await Refused(new DisputeService.DisputeServiceClient(stranger.EmspChannel(Hub)), DisputeState.Accepted));
        Assert.Equal(1, (await emsp.GetDisputeAsync(new GetDisputeRequest { Id = opened.Id })).Dispute.Version);

        await SubmitAsync(roaming, Credit(roaming, "X-CR", "X"), roaming.Cdr("X-2", total: 0.50m));
        var revised = (await cpo.MoveDisputeAsync(new MoveDisputeRequest { Id = opened.Id, To = DisputeState.Revised, Reason = "corrected", CreditCdrId = "X-CR", NewCdrId = "X-2" })).Dispute;
        var statement = (await Settlement(roaming.EmspSecret).GetStatementAsync(period)).Statement;
        await emsp.MoveDisputeAsync(new MoveDisputeRequest { Id = opened.Id, To = DisputeState.Accepted, Reason = "fine" });
        var resolved = (await op.MoveDisputeAsync(new MoveDisputeRequest { Id = opened.Id, To = DisputeState.Resolved, Reason = "done" })).Dispute;
        var history = await cpo.GetDisputeAsync(new GetDisputeRequest { Id = opened.Id });

        Assert.Equal(("X-CR", "X-2"), (revised.CreditCdrId, revised.NewCdrId));
        Assert.Equal((0, 3, 0.50m), (statement.Disputed.Count, statement.Payable.Count, D(statement.Payable.Total.ExclVat)));
        Assert.Equal(DisputeState.Resolved, resolved.State);
        Assert.Equal(
            [(DisputeState.Unspecified, DisputeState.Open), (DisputeState.Open, DisputeState.Revised), (DisputeState.Revised, DisputeState.Accepted), (DisputeState.Accepted, DisputeState.Resolved)],
            history.Changes.Select(c => (c.From, c.To)));
        Assert.Equal([$"EMSP {Id(roaming.Emsp)}", $"CPO {Id(roaming.Cpo)}", $"EMSP {Id(roaming.Emsp)}"], history.Changes.Take(3).Select(c => c.Actor));
        Assert.StartsWith("operator", history.Changes[3].Actor, StringComparison.Ordinal);
        Assert.Equal(StatusCode.FailedPrecondition, await Refused(op, DisputeState.Accepted));
    }

    private static string Id(PartyRef p) => $"{p.CountryCode}-{p.PartyId}-{(p.Role == PartyRole.Cpo ? "CPO" : "EMSP")}";
}
