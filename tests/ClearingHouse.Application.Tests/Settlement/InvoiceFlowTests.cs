using ClearingHouse.Application.Access;
using ClearingHouse.Application.Cdrs;
using ClearingHouse.Application.Settlement;
using ClearingHouse.Application.Settlement.Invoices;
using ClearingHouse.Application.Tests.Infrastructure;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Invoices;
using ClearingHouse.Grains.Settlement;
using ClearingHouse.Storage.Sqlite;
using ClearingHouse.Storage.Sqlite.Invoices;
using ClearingHouse.Storage.Sqlite.Settlement;
using Microsoft.Extensions.DependencyInjection;

namespace ClearingHouse.Application.Tests.Settlement;

/// <summary>A core cluster with the SQLite settlement and invoice stores besides the stores <see cref="CoreCluster"/> has.</summary>
public sealed class InvoiceCluster : IAsyncLifetime
{
    /// <summary>The cluster.</summary>
    public CoreCluster Hub { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync() => Hub = await CoreCluster.StartAsync(1, services =>
    {
        services.AddSingleton<ISettlementStore>(sp => new SqliteSettlementStore(sp.GetRequiredService<SqliteConnectionFactory>()));
        services.AddSingleton<IInvoiceStore>(sp => new SqliteInvoiceStore(sp.GetRequiredService<SqliteConnectionFactory>()));
    });

    /// <inheritdoc />
    public Task DisposeAsync() => Hub.DisposeAsync();
}

/// <summary>Invoice reconciliation called as an edge would, on a real in-process cluster with the SQLite stores.</summary>
public sealed class InvoiceFlowTests(InvoiceCluster cluster) : IClassFixture<InvoiceCluster>
{
    private static readonly DateTimeOffset Oct = new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);
    private static int _pairs;

    private CoreCluster Hub => cluster.Hub;

    // No tariff and no cdr_location.id: the price check and the locations flow are not what these tests are about.
    private static string Cdr(PartyKey cpo, PartyKey emsp, string id, int day, decimal total = 0.50m, bool credit = false) => $$"""
        { "country_code": "{{cpo.CountryCode}}", "party_id": "{{cpo.PartyId}}", "id": "{{id}}",
          "start_date_time": "2026-10-{{day:D2}}T08:00:00Z", "end_date_time": "2026-10-{{day:D2}}T09:00:00Z",
          "cdr_token": { "country_code": "{{emsp.CountryCode}}", "party_id": "{{emsp.PartyId}}", "uid": "TOKEN-1", "type": "RFID", "contract_id": "DE-XYZ-C1" },
          "currency": "EUR", "cdr_location": { "country": "NLD" },
          "charging_periods": [ { "start_date_time": "2026-10-{{day:D2}}T08:00:00Z", "dimensions": [ { "type": "ENERGY", "volume": 1.2 } ] } ],
          "total_cost": { "excl_vat": {{total}}, "incl_vat": {{total * 1.21m}} }, "total_energy": 1.2, "total_time": 1,
          {{(credit ? "\"credit\": true, \"credit_reference_id\": \"A\"," : "")}} "last_updated": "2026-10-{{day:D2}}T10:00:00Z" }
        """;

    /// <summary>A new CPO and EMSP with an agreement, and the CPO's CDRs <paramref name="cdrs"/> (built by <see cref="Cdr"/>) ingested.</summary>
    private async Task<(PartyKey Cpo, PartyKey Emsp, CallerIdentity CpoCaller)> PairAsync(params (string Id, int Day, decimal Total, bool Credit)[] cdrs)
    {
        var n = Interlocked.Increment(ref _pairs);
        var cpo = await Hub.RegisterAsync($"NL-I{n:D2}-CPO");
        var emsp = await Hub.RegisterAsync($"DE-I{n:D2}-EMSP");
        await Hub.AgreeAsync(cpo, emsp);
        await Hub.WaitForDirectoryAsync(v => v.GetAgreement(cpo, emsp) is not null);
        var caller = await Hub.CallerAsync(cpo);
        var results = await Hub.Get<CdrIngestor>().IngestAsync(caller, cdrs.Select(c => Cdr(cpo, emsp, c.Id, c.Day, c.Total, c.Credit)).ToList(), CancellationToken.None);
        Assert.All(results, r => Assert.True(r.Outcome == CdrOutcome.Accepted, $"{r.CdrId}: {r.Outcome} {string.Join("; ", r.Reasons)}"));
        return (cpo, emsp, caller);
    }

    private static InvoiceDraft Draft(string id, PartyKey counterparty, params InvoiceLineDraft[] lines) => new()
    {
        Id = id, InvoiceId = "INV-" + id, Counterparty = counterparty, Lines = lines,
        Totals = [new InvoiceTotalDraft("EUR", lines.Sum(l => decimal.Parse(l.ExclVat, System.Globalization.CultureInfo.InvariantCulture)).ToString(System.Globalization.CultureInfo.InvariantCulture), "")],
    };

    private static InvoiceLineDraft Line(string cdrId, string exclVat = "0.50") => new(cdrId, exclVat, "", "EUR");

    private static string Describe(InvoiceSubmission s) =>
        string.Join(" | ", s.Lines.SelectMany(l => l.Reasons).Concat(s.Totals).Select(p => $"{p.Field}: {p.Description}"));

    [Fact]
    public async Task SubmitAsync_LiveAndClosedStatement_InvoicedPartShownBothWaysAndAddsUpToPayable()
    {
        var (cpo, emsp, cpoCaller) = await PairAsync(("A", 3, 0.50m, false), ("B", 4, 1.25m, false), ("A-CR", 5, 0.50m, true));
        var flow = Hub.Get<InvoiceFlow>();
        var statements = Hub.Get<StatementFlow>();
        var key = new StatementKey(cpo, emsp, "EUR", Oct, Oct.AddMonths(1));

        var submitted = await flow.SubmitAsync(cpoCaller, Draft("R-1", emsp, Line("A"), Line("A-CR", "-0.50")), CancellationToken.None);
        var live = await statements.GetAsync(cpoCaller, key, CancellationToken.None);
        var (closed, _) = await statements.CloseAsync(cpoCaller, key, CancellationToken.None);

        Assert.True(submitted.Reconciled, Describe(submitted));
        foreach (var view in new[] { live, closed })
        {
            var invoicing = view.Invoicing!;
            Assert.Equal((2, 0m, 1, 1.25m), (invoicing.InvoicedCount, invoicing.Invoiced.ExclVat, invoicing.NotInvoicedCount, invoicing.NotInvoiced.ExclVat));
            Assert.Equal(view.Totals.Payable.Total.ExclVat, invoicing.Invoiced.ExclVat + invoicing.NotInvoiced.ExclVat);
            Assert.Equal(view.Totals.Payable.Total.InclVat, invoicing.Invoiced.InclVat + invoicing.NotInvoiced.InclVat);
        }
    }

    // 1.2 kWh on 3 October priced with `tariff`, declaring `total` (+21 % VAT).
    private static string PricedCdr(PartyKey cpo, PartyKey emsp, string id, string tariff, decimal total) => $$"""
        { "country_code": "{{cpo.CountryCode}}", "party_id": "{{cpo.PartyId}}", "id": "{{id}}",
          "start_date_time": "2026-10-03T08:00:00Z", "end_date_time": "2026-10-03T09:00:00Z",
          "cdr_token": { "country_code": "{{emsp.CountryCode}}", "party_id": "{{emsp.PartyId}}", "uid": "TOKEN-1", "type": "RFID", "contract_id": "DE-XYZ-C1" },
          "currency": "EUR", "cdr_location": { "country": "NLD" }, "tariffs": [ { "id": "{{tariff}}", "currency": "EUR", "elements": [] } ],
          "charging_periods": [ { "start_date_time": "2026-10-03T08:00:00Z", "dimensions": [ { "type": "ENERGY", "volume": 1.2 } ] } ],
          "total_cost": { "excl_vat": {{total}}, "incl_vat": {{total * 1.21m}} }, "total_energy": 1.2, "total_time": 1, "last_updated": "2026-10-03T10:00:00Z" }
        """;

    [Fact]
    public async Task SubmitAsync_LinesBesideTheHubsPrice_DifferencePerLineAndPerCurrencyAndFlaggedCdrsRefused()
    {
        var (cpo, emsp, cpoCaller) = await PairAsync(("UNPRICED", 4, 0.50m, false));
        foreach (var tariff in new[]
        {
            """{ "id": "T-INV", "currency": "EUR", "elements": [ { "price_components": [ { "type": "ENERGY", "price": 0.25, "vat": 21.0, "step_size": 1 } ] } ], "last_updated": "2026-09-01T00:00:00Z" }""",
            """{ "id": "T-GONE", "currency": "EUR", "end_date_time": "2026-09-30T00:00:00Z", "elements": [ { "price_components": [ { "type": "ENERGY", "price": 0.25, "vat": 21.0, "step_size": 1 } ] } ], "last_updated": "2026-09-01T00:00:00Z" }""",
        })
        {
            await Hub.Get<Application.Tariffs.TariffFlow>().PutAsync(cpoCaller, Application.Tariffs.TariffFlow.ParseTariff(tariff, "ocpi_json"));
        }

        var ingested = await Hub.Get<CdrIngestor>().IngestAsync(cpoCaller,
            [PricedCdr(cpo, emsp, "CLOSE", "T-INV", 0.305m), PricedCdr(cpo, emsp, "EXACT", "T-INV", 0.30m), PricedCdr(cpo, emsp, "GONE", "T-GONE", 0.30m)], CancellationToken.None);
        Assert.Equal([Grains.Cdrs.PriceCheck.Matched, Grains.Cdrs.PriceCheck.Matched, Grains.Cdrs.PriceCheck.TariffNotActive], ingested.Select(r => r.PriceCheck));

        var flow = Hub.Get<InvoiceFlow>();
        var refused = await flow.SubmitAsync(cpoCaller, Draft("R-HUB-1", emsp, Line("CLOSE", "0.305"), Line("GONE", "0.30")), CancellationToken.None);
        var stored = await flow.SubmitAsync(cpoCaller, Draft("R-HUB-2", emsp, Line("CLOSE", "0.305"), Line("EXACT", "0.30"), Line("UNPRICED")), CancellationToken.None);

        Assert.False(refused.Reconciled);
        Assert.Equal("cdrs[1].cdr_id: CDR 'GONE' is disputed: the hub flagged it TARIFF_NOT_ACTIVE", Describe(refused));
        Assert.True(stored.Reconciled, Describe(stored));
        var close = stored.Lines[0].Price!;
        Assert.Equal(("MATCHED", 0.30m, 0.363m, 0.005m, true), (close.PriceCheck, close.Hub!.Value.ExclVat, close.Hub.Value.InclVat, close.Difference!.Value.ExclVat, close.WithinTolerance));
        Assert.Equal(0m, stored.Lines[1].Price!.Difference!.Value.ExclVat);
        Assert.Equal(("NOT_CHECKED", (Domain.Tariffs.Cost?)null), (stored.Lines[2].Price!.PriceCheck, stored.Lines[2].Price!.Hub));
        var eur = Assert.Single(stored.HubComparison!);
        Assert.Equal(("EUR", 0.605m, 0.60m, 0.005m, 1), (eur.Currency, eur.Invoiced.ExclVat, eur.Hub.ExclVat, eur.Difference.ExclVat, eur.Unpriced));
    }

    [Fact]
    public async Task SubmitAsync_TwoRecordsRaceForOneCdr_ExactlyOneStored()
    {
        var (cpo, emsp, cpoCaller) = await PairAsync(("A", 3, 0.50m, false), ("B", 4, 0.50m, false), ("C", 5, 0.50m, false));
        var emspCaller = await Hub.CallerAsync(emsp);
        var flow = Hub.Get<InvoiceFlow>();

        async Task<string> Try(CallerIdentity caller, InvoiceDraft draft)
        {
            try
            {
                var s = await flow.SubmitAsync(caller, draft, CancellationToken.None);
                return s.Reconciled ? "stored" : "refused";
            }
            catch (HubException ex) when (ex.Code == HubErrorCode.FailedPrecondition)
            {
                return "lost the race";
            }
        }

        var outcomes = await Task.WhenAll(
            Try(cpoCaller, Draft("R-1", emsp, Line("A"), Line("B"))),
            Try(emspCaller, Draft("R-2", cpo, Line("C"), Line("A"))));

        Assert.Equal(1, outcomes.Count(o => o == "stored"));
        var stored = await flow.ListAsync(cpoCaller, null, null, null, 10, CancellationToken.None);
        var invoice = Assert.Single(stored.Items);
        var invoiced = await Hub.Get<IInvoiceStore>().FindInvoicedAsync(cpo, ["A", "B", "C"]);
        Assert.Equal(invoice.Lines.Select(l => l.CdrId).Order(), invoiced.Keys.Order());
    }

    [Fact]
    public async Task SubmitAsync_StatementNamed_OnlyCdrsItSettledAccepted()
    {
        var (cpo, emsp, cpoCaller) = await PairAsync(("A", 3, 0.50m, false), ("B", 20, 0.50m, false));
        var (first, _) = await Hub.Get<StatementFlow>().CloseAsync(cpoCaller, new StatementKey(cpo, emsp, "EUR", Oct, Oct.AddDays(10)), CancellationToken.None);
        var flow = Hub.Get<InvoiceFlow>();

        var refused = await flow.SubmitAsync(cpoCaller, Draft("R-1", emsp, Line("A"), Line("B")) with { StatementNumber = first.Closed!.Number }, CancellationToken.None);
        var accepted = await flow.SubmitAsync(cpoCaller, Draft("R-1", emsp, Line("A")) with { StatementNumber = first.Closed.Number }, CancellationToken.None);
        var error = await Assert.ThrowsAsync<HubException>(() => flow.SubmitAsync(cpoCaller, Draft("R-2", emsp, Line("B")) with { StatementNumber = first.Closed.Number + 1000 }, CancellationToken.None));

        Assert.False(refused.Reconciled);
        Assert.True(refused.Lines[0].Accepted);
        Assert.Contains($"not settled by statement {first.Closed.Number}", Assert.Single(refused.Lines[1].Reasons).Description, StringComparison.Ordinal);
        Assert.True(accepted.Reconciled, Describe(accepted));
        Assert.Equal(first.Closed.Number, accepted.Invoice!.StatementNumber);
        Assert.Equal((HubErrorCode.InvalidArgument, "statement_number"), (error.Code, error.Field));
    }
}
