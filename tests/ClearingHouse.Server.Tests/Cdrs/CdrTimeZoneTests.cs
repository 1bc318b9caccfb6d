using System.Globalization;
using System.Text.Json.Nodes;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using LocationTestData = ClearingHouse.Server.Tests.Locations.LocationTestData;

namespace ClearingHouse.Server.Tests.Cdrs;

/// <summary>
/// Re-pricing reads tariff time restrictions in the time zone of the location the CDR names, as the hub knows it;
/// the CDR's own cdr_location.time_zone, then UTC, only when the hub does not know the location.
/// </summary>
public sealed class CdrTimeZoneTests(EmbeddedHubFixture fixture) : IClassFixture<EmbeddedHubFixture>
{
    /// <summary>0.10 EUR/kWh from 00:00 to 12:00 local time, 0.50 EUR/kWh otherwise (10 % VAT).</summary>
    private const string MorningTariff = """
        { "id": "T-TOD", "currency": "EUR",
          "elements": [
            { "price_components": [ { "type": "ENERGY", "price": 0.10, "vat": 10.0, "step_size": 1 } ],
              "restrictions": { "start_time": "00:00", "end_time": "12:00" } },
            { "price_components": [ { "type": "ENERGY", "price": 0.50, "vat": 10.0, "step_size": 1 } ] } ],
          "last_updated": "2018-12-17T16:45:21Z" }
        """;

    // The CDR's 1.2 kWh are charged from 14:30 UTC: afternoon in UTC, 06:30 in Los Angeles (UTC-8 in January).
    private const decimal MorningPrice = 0.12m;
    private const decimal AfternoonPrice = 0.60m;
    private const string LosAngeles = "America/Los_Angeles";

    private HubHost Hub => fixture.Hub;

    private async Task<(Roaming Roaming, CdrService.CdrServiceClient Cpo)> SetUpAsync(params string[] publishedLocations)
    {
        var roaming = await Roaming.SetUpAsync(Hub);
        await new TariffService.TariffServiceClient(roaming.CpoChannel(Hub)).PutTariffAsync(new PutTariffRequest { OcpiJson = MorningTariff });
        foreach (var id in publishedLocations)
        {
            await PublishAsync(roaming, id, LosAngeles);
        }

        return (roaming, new CdrService.CdrServiceClient(roaming.CpoChannel(Hub)));
    }

    private Task PublishAsync(Roaming roaming, string locationId, string timeZone)
    {
        var location = LocationTestData.Location(locationId);
        location.TimeZone = timeZone;
        location.LastUpdated = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(-1));
        return new LocationService.LocationServiceClient(roaming.CpoChannel(Hub)).PutLocationAsync(new PutLocationRequest { Location = location }).ResponseAsync;
    }

    private static string Cdr(Roaming roaming, string id, string locationId, string? cdrTimeZone, decimal declared)
    {
        var node = roaming.CdrNode(id, "T-TOD", declared);
        var place = new JsonObject { ["id"] = locationId, ["country"] = "USA" };
        if (cdrTimeZone is not null)
        {
            place["time_zone"] = cdrTimeZone;
        }

        node["cdr_location"] = place;
        return node.ToJsonString();
    }

    private static decimal HubTotal(CdrAck ack) => decimal.Parse(ack.HubTotalCost.ExclVat, CultureInfo.InvariantCulture);

    [Fact]
    public async Task SubmitCdrBatch_KnownLocation_PricedInTheLocationsTimeZone()
    {
        var (roaming, cpo) = await SetUpAsync("LOC-LA");

        var ack = Assert.Single((await cpo.SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { Cdr(roaming, "TZ-1", "LOC-LA", null, MorningPrice) } })).Acks);

        Assert.Equal(CdrAckStatus.Accepted, ack.Status);
        Assert.Equal(PriceCheckStatus.Matched, ack.PriceCheck);
        Assert.Equal(MorningPrice, HubTotal(ack));
        Assert.Equal(LosAngeles, ack.TimeZone);
        Assert.Contains("location 'LOC-LA' as published by the CPO", ack.TimeZoneNote, StringComparison.Ordinal);
        var stored = (await new CdrService.CdrServiceClient(roaming.EmspChannel(Hub)).GetCdrAsync(new GetCdrRequest { Cpo = roaming.Cpo, CdrId = "TZ-1" })).Cdr;
        Assert.Equal(LosAngeles, stored.HubPrice.TimeZone);
        Assert.Equal(ack.TimeZoneNote, stored.HubPrice.TimeZoneNote);
    }

    [Fact]
    public async Task SubmitCdrBatch_KnownLocationAndOtherCdrTimeZone_LocationWins()
    {
        var (roaming, cpo) = await SetUpAsync("LOC-LA");

        // The CPO's CDR says UTC (afternoon) and declares the afternoon price: the hub prices the morning and flags it.
        var ack = Assert.Single((await cpo.SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { Cdr(roaming, "TZ-2", "LOC-LA", "Etc/UTC", AfternoonPrice) } })).Acks);

        Assert.Equal(CdrAckStatus.Accepted, ack.Status);
        Assert.Equal(PriceCheckStatus.Mismatch, ack.PriceCheck);
        Assert.Equal(MorningPrice, HubTotal(ack));
        Assert.Equal(LosAngeles, ack.TimeZone);
        Assert.Contains("cdr_location.time_zone 'Etc/UTC' is not used", ack.TimeZoneNote, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubmitCdrBatch_UnknownLocationWithoutTimeZone_PricedInUtcAndSaysSo()
    {
        var (roaming, cpo) = await SetUpAsync("LOC-LA");

        var ack = Assert.Single((await cpo.SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { Cdr(roaming, "TZ-3", "LOC-NOWHERE", null, AfternoonPrice) } })).Acks);

        Assert.Equal(PriceCheckStatus.Matched, ack.PriceCheck);
        Assert.Equal(AfternoonPrice, HubTotal(ack));
        Assert.Equal("UTC", ack.TimeZone);
        Assert.Contains("location 'LOC-NOWHERE' is not known to the hub", ack.TimeZoneNote, StringComparison.Ordinal);
        Assert.Contains("priced in UTC", ack.TimeZoneNote, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubmitCdrBatch_UnknownLocationWithCdrTimeZone_PricedInTheCdrsTimeZone()
    {
        var (roaming, cpo) = await SetUpAsync();

        var ack = Assert.Single((await cpo.SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { Cdr(roaming, "TZ-4", "LOC-NOWHERE", LosAngeles, MorningPrice) } })).Acks);

        Assert.Equal(PriceCheckStatus.Matched, ack.PriceCheck);
        Assert.Equal(MorningPrice, HubTotal(ack));
        Assert.Equal(LosAngeles, ack.TimeZone);
        Assert.Contains("not known to the hub: priced in the CDR's cdr_location.time_zone", ack.TimeZoneNote, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubmitCdrBatch_OneBatchOfKnownAndUnknownLocations_EachPricedInItsOwnZone()
    {
        var (roaming, cpo) = await SetUpAsync("LOC-LA", "LOC-LA2");
        var batch = new SubmitCdrBatchRequest
        {
            Cdrs =
            {
                Cdr(roaming, "B-1", "LOC-LA", null, MorningPrice),
                Cdr(roaming, "B-2", "LOC-X", null, AfternoonPrice),
                Cdr(roaming, "B-3", "LOC-LA2", null, MorningPrice),
                Cdr(roaming, "B-4", "LOC-LA", null, MorningPrice),
            },
        };

        var acks = (await cpo.SubmitCdrBatchAsync(batch)).Acks;

        Assert.All(acks, a => Assert.Equal(PriceCheckStatus.Matched, a.PriceCheck));
        Assert.Equal([LosAngeles, "UTC", LosAngeles, LosAngeles], acks.Select(a => a.TimeZone));
    }

    [Fact]
    public async Task SubmitCdrBatch_LocationPublishedAfterAnEarlierCdr_LaterCdrsPricedInItsZone()
    {
        var (roaming, cpo) = await SetUpAsync();
        var before = Assert.Single((await cpo.SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { Cdr(roaming, "L-1", "LOC-LATE", null, AfternoonPrice) } })).Acks);
        Assert.Equal("UTC", before.TimeZone);

        // The silo remembered "not known"; publishing through it forgets that at once.
        await PublishAsync(roaming, "LOC-LATE", LosAngeles);
        var after = Assert.Single((await cpo.SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { Cdr(roaming, "L-2", "LOC-LATE", null, MorningPrice) } })).Acks);

        Assert.Equal(LosAngeles, after.TimeZone);
        Assert.Equal(MorningPrice, HubTotal(after));
    }

    [Fact]
    public async Task SubmitCdrBatch_KnownLocationButUnknownCdrTimeZone_Rejected()
    {
        var (roaming, cpo) = await SetUpAsync("LOC-LA");

        var ack = Assert.Single((await cpo.SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { Cdr(roaming, "TZ-BAD", "LOC-LA", "Mars/Olympus_Mons", MorningPrice) } })).Acks);

        Assert.Equal(CdrAckStatus.Rejected, ack.Status);
        Assert.Contains("cdr_location.time_zone", ack.Reasons.Select(r => r.Field));
        Assert.Equal("", ack.TimeZone);
    }
}
