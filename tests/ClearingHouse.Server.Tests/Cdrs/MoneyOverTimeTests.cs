using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Credentials;
using ClearingHouse.Server.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using LocationTestData = ClearingHouse.Server.Tests.Locations.LocationTestData;

namespace ClearingHouse.Server.Tests.Cdrs;

/// <summary>
/// Money exact over time, through the hub on both backends (Embedded/SQLite and Cluster/PostgreSQL): a tariff changed
/// mid-day prices CDRs from before and after the change with the version in force at each session's start; a stale
/// version is refused; a wrong split of a right total, a session outside the tariff's window and a tariff the connector
/// did not list are flagged, disputed by the hub with their reasons, shown on the statement and in the findings.
/// </summary>
public sealed class MoneyOverTimeTests
{
    private static readonly DateTimeOffset Day = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);

    // 0.30 EUR/kWh until noon, 0.40 from noon; 2.00 EUR/h of charging without rounding; 10 % VAT.
    private static string DayTariff(decimal perKwh, DateTimeOffset lastUpdated, string id = "T-DAY", string window = "") => $$"""
        { "id": "{{id}}", "currency": "EUR", {{window}}
          "elements": [ { "price_components": [
            { "type": "ENERGY", "price": {{perKwh.ToString(CultureInfo.InvariantCulture)}}, "vat": 10.0, "step_size": 1 },
            { "type": "TIME", "price": 2.00, "vat": 10.0, "step_size": 0 } ] } ],
          "last_updated": "{{lastUpdated:yyyy-MM-ddTHH:mm:ssZ}}" }
        """;

    // 10 kWh over one hour of charging, declaring the given total, energy and time costs (incl. = excl. x 1.1).
    private static string Cdr(Roaming roaming, string id, DateTimeOffset start, decimal total, decimal energy, decimal time, string tariffId = "T-DAY", string? evse = null, string location = "LOC-M")
    {
        static JsonObject P(decimal excl) => new() { ["excl_vat"] = excl, ["incl_vat"] = excl * 1.1m };
        var node = roaming.CdrNode(id, tariffId, total, total * 1.1m);
        node["start_date_time"] = start.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        node["end_date_time"] = start.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        node["charging_periods"] = JsonNode.Parse($$"""[ { "start_date_time": "{{node["start_date_time"]}}", "dimensions": [ { "type": "ENERGY", "volume": 10 }, { "type": "TIME", "volume": 1 } ] } ]""");
        node["total_energy"] = 10;
        node["total_energy_cost"] = P(energy);
        node["total_time_cost"] = P(time);
        if (evse is not null)
        {
            node["cdr_location"] = new JsonObject { ["id"] = location, ["country"] = "NLD", ["evse_uid"] = evse, ["connector_id"] = "1" };
        }

        return node.ToJsonString();
    }

    [Fact]
    public async Task TariffChangedMidDay_Embedded_VersionInForcePricesEachCdrAndFlagsAreDisputed()
    {
        using var data = new TempDirectory();
        await using var hub = await HubHost.StartEmbeddedAsync(data.Path);
        await RunAsync(hub);
    }

    [Fact]
    public async Task TariffChangedMidDay_ClusterOnPostgres_VersionInForcePricesEachCdrAndFlagsAreDisputed()
    {
        var postgres = await TestServices.CreateDatabaseAsync();
        try
        {
            await using (var hub = await HubHost.StartClusterAsync($"ch-money-{Guid.NewGuid():N}", postgres, CredentialSecret.Generate(party: null).Text))
            {
                await RunAsync(hub);
            }
        }
        finally
        {
            await TestServices.DropDatabaseAsync(postgres);
        }
    }

    [Fact]
    public async Task ConnectorHistory_EmbeddedRestarted_CdrStillJudgedByTheListAtItsStart()
    {
        using var data = new TempDirectory();
        Roaming roaming;
        await using (var hub = await HubHost.StartEmbeddedAsync(data.Path))
        {
            roaming = await Roaming.SetUpAsync(hub);
            await PublishChangedConnectorAsync(hub, roaming);
        }

        await using (var hub = await HubHost.StartEmbeddedAsync(data.Path))
        {
            await CheckChangedConnectorAsync(hub, roaming);
        }
    }

    [Fact]
    public async Task ConnectorHistory_ClusterOnPostgresRestarted_CdrStillJudgedByTheListAtItsStart()
    {
        var postgres = await TestServices.CreateDatabaseAsync();
        try
        {
            var (clusterId, operatorSecret) = ($"ch-connector-{Guid.NewGuid():N}", CredentialSecret.Generate(party: null).Text);
            Roaming roaming;
            await using (var hub = await HubHost.StartClusterAsync(clusterId, postgres, operatorSecret))
            {
                roaming = await Roaming.SetUpAsync(hub);
                await PublishChangedConnectorAsync(hub, roaming);
            }

            await using (var hub = await HubHost.StartClusterAsync(clusterId, postgres, operatorSecret))
            {
                await CheckChangedConnectorAsync(hub, roaming);
            }
        }
        finally
        {
            await TestServices.DropDatabaseAsync(postgres);
        }
    }

    // T-DAY and T-ELSE; LOC-R's connector E1/1 lists T-DAY from ten days before, then T-ELSE from noon.
    private static async Task PublishChangedConnectorAsync(HubHost hub, Roaming roaming)
    {
        var tariffs = new TariffService.TariffServiceClient(roaming.CpoChannel(hub));
        await tariffs.PutTariffAsync(new PutTariffRequest { OcpiJson = DayTariff(0.30m, Day.AddDays(-1)) });
        await tariffs.PutTariffAsync(new PutTariffRequest { OcpiJson = DayTariff(0.30m, Day.AddDays(-10), "T-ELSE") });
        var locations = new LocationService.LocationServiceClient(roaming.CpoChannel(hub));
        var location = LocationTestData.Location("LOC-R", evses: 1);
        location.Cpo = roaming.Cpo;
        foreach (var (at, tariff) in new[] { (Day.AddDays(-10), "T-DAY"), (Day.AddHours(12), "T-ELSE") })
        {
            var connector = location.Evses[0].Connectors[0];
            connector.TariffIds.Clear();
            connector.TariffIds.Add(tariff);
            (location.LastUpdated, location.Evses[0].LastUpdated, connector.LastUpdated) = (Timestamp.FromDateTimeOffset(at), Timestamp.FromDateTimeOffset(at), Timestamp.FromDateTimeOffset(at));
            Assert.True((await locations.PutLocationAsync(new PutLocationRequest { Location = location })).Applied);
        }
    }

    // After a restart (the location grain reads its state back): a morning CDR is judged by the morning list.
    private static async Task CheckChangedConnectorAsync(HubHost hub, Roaming roaming)
    {
        var acks = (await new CdrService.CdrServiceClient(roaming.CpoChannel(hub)).SubmitCdrBatchAsync(new SubmitCdrBatchRequest
        {
            Cdrs =
            {
                Cdr(roaming, "R-AM", Day.AddHours(9), 5.00m, 3.00m, 2.00m, evse: "E1", location: "LOC-R"),
                Cdr(roaming, "R-AM-ELSE", Day.AddHours(9), 5.00m, 3.00m, 2.00m, "T-ELSE", evse: "E1", location: "LOC-R"),
            },
        })).Acks.ToDictionary(a => a.CdrId);
        var seen = string.Join("; ", acks.Values.Select(a => $"{a.CdrId} {a.Status} {a.PriceCheck} {a.PriceCheckNote}"));
        Assert.True((acks["R-AM"].PriceCheck, acks["R-AM-ELSE"].PriceCheck) == (PriceCheckStatus.Matched, PriceCheckStatus.TariffNotListed), seen);
        Assert.Contains("listed [T-DAY] when the session started, not tariff 'T-ELSE'", acks["R-AM-ELSE"].PriceCheckNote, StringComparison.Ordinal);
    }

    private static async Task RunAsync(HubHost hub)
    {
        var roaming = await Roaming.SetUpAsync(hub);
        var tariffs = new TariffService.TariffServiceClient(roaming.CpoChannel(hub));
        var cdrs = new CdrService.CdrServiceClient(roaming.CpoChannel(hub));

        // The morning version, then the noon change; the morning version again is stale.
        await tariffs.PutTariffAsync(new PutTariffRequest { OcpiJson = DayTariff(0.30m, Day.AddDays(-1)) });
        await tariffs.PutTariffAsync(new PutTariffRequest { OcpiJson = DayTariff(0.40m, Day.AddHours(12)) });
        var stale = await Assert.ThrowsAsync<RpcException>(async () => await tariffs.PutTariffAsync(new PutTariffRequest { OcpiJson = DayTariff(0.30m, Day.AddDays(-1)) }));
        Assert.Equal(StatusCode.InvalidArgument, stale.StatusCode);
        Assert.Contains("last_updated", stale.Status.Detail, StringComparison.Ordinal);

        // A tariff that ended before the session, and a location whose connector E1/1 lists only T-DAY.
        await tariffs.PutTariffAsync(new PutTariffRequest { OcpiJson = DayTariff(0.30m, Day.AddDays(-10), "T-OLD", "\"end_date_time\": \"2026-11-01T00:00:00Z\",") });
        await tariffs.PutTariffAsync(new PutTariffRequest { OcpiJson = DayTariff(0.30m, Day.AddDays(-10), "T-ELSE") });
        var location = LocationTestData.Location("LOC-M", evses: 1);
        location.Cpo = roaming.Cpo;
        location.Evses[0].Connectors[0].TariffIds.Clear();
        location.Evses[0].Connectors[0].TariffIds.Add("T-DAY");
        // Published before the sessions: what the connector listed then is known (the hub keeps no connector history).
        var published = Timestamp.FromDateTimeOffset(Day.AddDays(-10));
        (location.LastUpdated, location.Evses[0].LastUpdated, location.Evses[0].Connectors[0].LastUpdated) = (published, published, published);
        await new LocationService.LocationServiceClient(roaming.CpoChannel(hub)).PutLocationAsync(new PutLocationRequest { Location = location });

        // Submitted after the change: the morning CDR is priced with the morning version (3.00 + 2.00), the afternoon
        // one with the noon version (4.00 + 2.00); a right total split wrongly, a session after T-OLD's end, and a
        // tariff the connector does not list.
        var response = await cdrs.SubmitCdrBatchAsync(new SubmitCdrBatchRequest
        {
            Cdrs =
            {
                Cdr(roaming, "AM", Day.AddHours(9), 5.00m, 3.00m, 2.00m),
                Cdr(roaming, "PM", Day.AddHours(14), 6.00m, 4.00m, 2.00m, evse: "E1"),
                Cdr(roaming, "SPLIT", Day.AddHours(16), 6.00m, 5.00m, 1.00m),
                Cdr(roaming, "OLD", Day.AddHours(9), 5.00m, 3.00m, 2.00m, "T-OLD"),
                Cdr(roaming, "ELSE", Day.AddHours(9), 5.00m, 3.00m, 2.00m, "T-ELSE", evse: "E1"),
            },
        });

        var acks = response.Acks.ToDictionary(a => a.CdrId);
        Assert.All(acks.Values, a => Assert.Equal(CdrAckStatus.Accepted, a.Status));
        Assert.Equal(
            [PriceCheckStatus.Matched, PriceCheckStatus.Matched, PriceCheckStatus.Mismatch, PriceCheckStatus.TariffNotActive, PriceCheckStatus.TariffNotListed],
            new[] { "AM", "PM", "SPLIT", "OLD", "ELSE" }.Select(id => acks[id].PriceCheck));
        Assert.Equal(Day.AddDays(-1), acks["AM"].TariffLastUpdated.ToDateTimeOffset());
        Assert.Contains("was in force when the session started", acks["AM"].TariffVersionNote, StringComparison.Ordinal);
        Assert.Equal(Day.AddHours(12), acks["PM"].TariffLastUpdated.ToDateTimeOffset());
        Assert.Equal("5.00", Assert.IsType<string>(acks["AM"].HubTotalCost.ExclVat)[..4]);
        Assert.Equal(
            ["total_energy_cost.excl_vat", "total_energy_cost.incl_vat", "total_time_cost.excl_vat", "total_time_cost.incl_vat"],
            acks["SPLIT"].Differences.Select(d => d.Field));
        Assert.Equal((5.00m, 4.00m), (decimal.Parse(acks["SPLIT"].Differences[0].Declared, CultureInfo.InvariantCulture), decimal.Parse(acks["SPLIT"].Differences[0].Hub, CultureInfo.InvariantCulture)));
        Assert.Contains("outside tariff 'T-OLD'", acks["OLD"].PriceCheckNote, StringComparison.Ordinal);
        Assert.Contains("listed [T-DAY]", acks["ELSE"].PriceCheckNote, StringComparison.Ordinal);

        // Stored with the same verdicts and lists; the EMSP reads the breakdown's version.
        var emspCdrs = new CdrService.CdrServiceClient(roaming.EmspChannel(hub));
        var split = (await emspCdrs.GetCdrAsync(new GetCdrRequest { Cpo = roaming.Cpo, CdrId = "SPLIT" })).Cdr;
        Assert.Equal(PriceCheckStatus.Mismatch, split.PriceCheck);
        Assert.Equal(4, split.Differences.Count);
        Assert.Equal(Day.AddHours(12), split.HubPrice.TariffLastUpdated.ToDateTimeOffset());
        var old = (await emspCdrs.GetCdrAsync(new GetCdrRequest { Cpo = roaming.Cpo, CdrId = "OLD" })).Cdr;
        Assert.Equal((PriceCheckStatus.TariffNotActive, false), (old.PriceCheck, old.HubPrice is not null));
        Assert.Contains("outside tariff 'T-OLD'", old.PriceCheckNote, StringComparison.Ordinal);

        // The history and a read as of the morning.
        var history = await tariffs.ListTariffVersionsAsync(new ListTariffVersionsRequest { TariffId = "T-DAY" });
        Assert.Equal([Day.AddDays(-1), Day.AddHours(12)], history.Versions.Select(v => v.LastUpdated.ToDateTimeOffset()));
        var morning = await new TariffService.TariffServiceClient(roaming.EmspChannel(hub)).GetTariffAsync(
            new GetTariffRequest { Cpo = roaming.Cpo, TariffId = "T-DAY", AsOf = Timestamp.FromDateTimeOffset(Day.AddHours(9)) });
        Assert.Equal(Day.AddDays(-1), morning.Tariff.LastUpdated.ToDateTimeOffset());
        var tooEarly = await Assert.ThrowsAsync<RpcException>(async () => await tariffs.GetTariffAsync(new GetTariffRequest { TariffId = "T-DAY", AsOf = Timestamp.FromDateTimeOffset(Day.AddDays(-5)) }));
        Assert.Equal(StatusCode.NotFound, tooEarly.StatusCode);

        // The (closed) statement keeps the three flagged CDRs apart and the hub opens a dispute for each, with its reasons.
        var statement = (await new SettlementService.SettlementServiceClient(roaming.CpoChannel(hub)).CloseStatementAsync(new CloseStatementRequest
        {
            Cpo = roaming.Cpo, Emsp = roaming.Emsp, Currency = "EUR", From = Timestamp.FromDateTimeOffset(Day), To = Timestamp.FromDateTimeOffset(Day.AddDays(1)),
        })).Statement;
        Assert.Equal((5, 2, 3), (statement.LineCount, statement.Payable.Count, statement.Disputed.Count));
        var disputes = (await new DisputeService.DisputeServiceClient(roaming.EmspChannel(hub)).ListDisputesAsync(new ListDisputesRequest())).Disputes.ToDictionary(d => d.CdrId);
        Assert.Equal(["ELSE", "OLD", "SPLIT"], disputes.Keys.Order());
        Assert.All(disputes.Values, d => Assert.Equal("hub", d.OpenedBy));
        Assert.Contains("total_energy_cost.excl_vat declared 5.00 hub 4.00", disputes["SPLIT"].Reason, StringComparison.Ordinal);
        Assert.Contains("tariff not active", disputes["OLD"].Reason, StringComparison.Ordinal);
        Assert.Contains("tariff not listed", disputes["ELSE"].Reason, StringComparison.Ordinal);
        var csv = await ExportCsvAsync(hub, roaming, statement.Number);
        Assert.Contains(csv.Split('\n'), line => line.Contains(",ELSE,", StringComparison.Ordinal) && line.Contains("TARIFF_NOT_LISTED", StringComparison.Ordinal));
        Assert.Contains(csv.Split('\n'), line => line.Contains(",OLD,", StringComparison.Ordinal) && line.Contains("TARIFF_NOT_ACTIVE", StringComparison.Ordinal));

        // And the operator's findings count them by kind.
        var findings = (await new OpsService.OpsServiceClient(hub.Channel(hub.OperatorSecret)).ListFindingsAsync(
            new ListFindingsRequest { Since = Timestamp.FromDateTimeOffset(Day.AddDays(-1)), Examples = 10 })).Findings.ToDictionary(f => f.Kind);
        Assert.Contains($"{roaming.Cpo.CountryCode}-{roaming.Cpo.PartyId}-CPO/ELSE", findings["CDR_TARIFF_NOT_LISTED"].Examples);
        Assert.Contains($"{roaming.Cpo.CountryCode}-{roaming.Cpo.PartyId}-CPO/OLD", findings["CDR_TARIFF_NOT_ACTIVE"].Examples);

        await ConnectorChangedNextDayAsync(hub, roaming);
    }

    // The next day (its own statement): LOC-N's connector E1/1 lists T-DAY until noon, then T-ELSE; E2/1 listing T-DAY and
    // T-ELSE is refused at publish, so it lists T-DAY and T-LATE, stored afterwards (both without a type, both active: a conflict). A session across the change is judged by the list at its
    // start, one after it is not listed, one at E2 is in conflict; both flags are disputed and found; an invoice of the
    // matched CDR shows the hub's own price beside it.
    private static async Task ConnectorChangedNextDayAsync(HubHost hub, Roaming roaming)
    {
        var next = Day.AddDays(1);
        var locations = new LocationService.LocationServiceClient(roaming.CpoChannel(hub));
        var location = LocationTestData.Location("LOC-N", evses: 2);
        location.Cpo = roaming.Cpo;
        void List(int evse, DateTimeOffset at, params string[] ids)
        {
            var connector = location.Evses[evse].Connectors[0];
            connector.TariffIds.Clear();
            connector.TariffIds.Add(ids);
            (connector.LastUpdated, location.Evses[evse].LastUpdated) = (Timestamp.FromDateTimeOffset(at), Timestamp.FromDateTimeOffset(at));
        }

        List(0, Day.AddDays(-10), "T-DAY");
        List(1, Day.AddDays(-10), "T-DAY", "T-ELSE");
        location.LastUpdated = Timestamp.FromDateTimeOffset(Day.AddDays(-10));
        // Both tariffs are stored, untyped and always active: the publish itself is refused, naming the connector.
        var conflict = await Parties.AssertFails(StatusCode.InvalidArgument, async () => await locations.PutLocationAsync(new PutLocationRequest { Location = location }));
        Assert.True(Parties.ViolatedFields(conflict).Any(f => f.EndsWith("evses[1].connectors[0].tariff_ids", StringComparison.Ordinal)), conflict.Status.Detail);
        Assert.Contains("lists tariffs 'T-DAY' and 'T-ELSE', both without a type", conflict.Status.Detail, StringComparison.Ordinal);
        // A tariff stored after the location cannot be judged at publish: the conflict is then the CDR check's.
        List(1, Day.AddDays(-10), "T-DAY", "T-LATE");
        await locations.PutLocationAsync(new PutLocationRequest { Location = location });
        List(0, next.AddHours(12), "T-ELSE");
        location.LastUpdated = Timestamp.FromDateTimeOffset(next.AddHours(12));
        Assert.True((await locations.PutLocationAsync(new PutLocationRequest { Location = location })).Applied);
        await new TariffService.TariffServiceClient(roaming.CpoChannel(hub)).PutTariffAsync(new PutTariffRequest { OcpiJson = DayTariff(0.30m, Day.AddDays(-10), "T-LATE") });

        var acks = (await new CdrService.CdrServiceClient(roaming.CpoChannel(hub)).SubmitCdrBatchAsync(new SubmitCdrBatchRequest
        {
            Cdrs =
            {
                Cdr(roaming, "ACROSS", next.AddHours(11.5), 6.00m, 4.00m, 2.00m, evse: "E1", location: "LOC-N"),
                Cdr(roaming, "AFTER", next.AddHours(14), 6.00m, 4.00m, 2.00m, evse: "E1", location: "LOC-N"),
                Cdr(roaming, "BOTH", next.AddHours(14), 6.00m, 4.00m, 2.00m, evse: "E2", location: "LOC-N"),
            },
        })).Acks.ToDictionary(a => a.CdrId);
        var seen = string.Join("; ", acks.Values.Select(a => $"{a.CdrId} {a.Status} {a.PriceCheck} {a.PriceCheckNote}"));
        Assert.True(
            new[] { PriceCheckStatus.Matched, PriceCheckStatus.TariffNotListed, PriceCheckStatus.TariffConflict }
                .SequenceEqual(new[] { "ACROSS", "AFTER", "BOTH" }.Select(id => acks[id].PriceCheck)),
            seen);
        Assert.Contains("changed its tariff_ids during the session", acks["ACROSS"].PriceCheckNote, StringComparison.Ordinal);
        Assert.Contains("listed [T-ELSE] when the session started, not tariff 'T-DAY'", acks["AFTER"].PriceCheckNote, StringComparison.Ordinal);
        Assert.Contains("listed tariffs 'T-DAY' and 'T-LATE'", acks["BOTH"].PriceCheckNote, StringComparison.Ordinal);

        var statement = (await new SettlementService.SettlementServiceClient(roaming.CpoChannel(hub)).CloseStatementAsync(new CloseStatementRequest
        {
            Cpo = roaming.Cpo, Emsp = roaming.Emsp, Currency = "EUR", From = Timestamp.FromDateTimeOffset(next), To = Timestamp.FromDateTimeOffset(next.AddDays(1)),
        })).Statement;
        // The day before's three disputed CDRs carry over as adjustments (disputed CDRs are never settled).
        Assert.Equal((3 + 3, 1, 2 + 3), (statement.LineCount, statement.Payable.Count, statement.Disputed.Count));
        var disputes = (await new DisputeService.DisputeServiceClient(roaming.EmspChannel(hub)).ListDisputesAsync(new ListDisputesRequest())).Disputes.ToDictionary(d => d.CdrId);
        Assert.Contains("tariff conflict", disputes["BOTH"].Reason, StringComparison.Ordinal);
        Assert.Contains("tariff not listed", disputes["AFTER"].Reason, StringComparison.Ordinal);
        var findings = (await new OpsService.OpsServiceClient(hub.Channel(hub.OperatorSecret)).ListFindingsAsync(
            new ListFindingsRequest { Since = Timestamp.FromDateTimeOffset(Day.AddDays(-1)), Examples = 10 })).Findings.ToDictionary(f => f.Kind);
        Assert.Contains($"{roaming.Cpo.CountryCode}-{roaming.Cpo.PartyId}-CPO/BOTH", findings["CDR_TARIFF_CONFLICT"].Examples);

        var record = new InvoiceReconciliationRecord { Id = "IRR-N", InvoiceId = "INV-N", Counterparty = roaming.Emsp, StatementNumber = statement.Number };
        record.Cdrs.Add(new InvoiceLine { CdrId = "ACROSS", Amount = new Price { ExclVat = "6.00", Currency = "EUR" } });
        record.Totals.Add(new Price { ExclVat = "6.00", Currency = "EUR" });
        var invoiced = await new InvoiceService.InvoiceServiceClient(roaming.CpoChannel(hub)).SubmitInvoiceAsync(new SubmitInvoiceRequest { Record = record });
        Assert.True(invoiced.Reconciled, string.Join("; ", invoiced.Lines.SelectMany(l => l.Reasons).Concat(invoiced.Totals).Select(p => $"{p.Field}: {p.Description}")));
        var line = Assert.Single(invoiced.Lines);
        Assert.Equal(("MATCHED", 6.00m, 0m, true), (line.PriceCheck, decimal.Parse(line.HubAmount.ExclVat, CultureInfo.InvariantCulture), decimal.Parse(line.Difference.ExclVat, CultureInfo.InvariantCulture), line.WithinTolerance));
        var eur = Assert.Single(invoiced.HubComparison);
        Assert.Equal(("EUR", 0m, 0), (eur.Currency, decimal.Parse(eur.Difference.ExclVat, CultureInfo.InvariantCulture), eur.UnpricedLines));

        // The stored invoice, read back by the EMSP, shows the hub's price per line too.
        var shown = await new InvoiceService.InvoiceServiceClient(roaming.EmspChannel(hub)).GetInvoiceAsync(new GetInvoiceRequest { Number = invoiced.Record.Number });
        var shownLine = Assert.Single(shown.Lines);
        Assert.Equal(("ACROSS", "MATCHED", 6.00m, true), (shownLine.CdrId, shownLine.PriceCheck, decimal.Parse(shownLine.HubAmount.ExclVat, CultureInfo.InvariantCulture), shownLine.WithinTolerance));

        // What E1/1 listed over time, for the EMSP: T-DAY until noon, then T-ELSE; at 09:00 T-DAY.
        var history = await new LocationService.LocationServiceClient(roaming.EmspChannel(hub)).GetConnectorTariffHistoryAsync(new GetConnectorTariffHistoryRequest
        {
            Cpo = roaming.Cpo, LocationId = "LOC-N", EvseUid = "E1", ConnectorId = "1", AsOf = Timestamp.FromDateTimeOffset(next.AddHours(9)),
        });
        var lists = string.Join("; ", history.Listings.Select(l => $"{l.Since}..{l.Until} [{string.Join(",", l.TariffIds)}]"));
        Assert.True(history.Listings.Select(l => string.Join(",", l.TariffIds)).SequenceEqual(["T-DAY", "T-ELSE"]), lists);
        Assert.Equal(next.AddHours(12), history.Listings[0].Until.ToDateTimeOffset());
        Assert.Null(history.Listings[1].Until);
        var asOf = Assert.Single(history.AsOf);
        Assert.True(asOf.Known && asOf.TariffIds.SequenceEqual(["T-DAY"]), lists);
        await Parties.AssertFails(StatusCode.NotFound, async () => await new LocationService.LocationServiceClient(roaming.EmspChannel(hub)).GetConnectorTariffHistoryAsync(
            new GetConnectorTariffHistoryRequest { Cpo = roaming.Cpo, LocationId = "LOC-N", EvseUid = "E9" }));
    }

    private static async Task<string> ExportCsvAsync(HubHost hub, Roaming roaming, long number)
    {
        using var call = new SettlementService.SettlementServiceClient(roaming.EmspChannel(hub)).ExportStatement(new ExportStatementRequest { Number = number, Format = StatementFormat.Csv });
        var bytes = new List<byte>();
        while (await call.ResponseStream.MoveNext())
        {
            bytes.AddRange(call.ResponseStream.Current.Chunk);
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }
}
