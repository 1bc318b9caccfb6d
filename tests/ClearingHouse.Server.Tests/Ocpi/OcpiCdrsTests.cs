using System.Text.Json.Nodes;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using static ClearingHouse.Server.Tests.Ocpi.OcpiAnswers;
using static ClearingHouse.Server.Tests.Ocpi.OcpiRoamingData;

namespace ClearingHouse.Server.Tests.Ocpi;

/// <summary>The CDRs module over real HTTP, through the same ingest as gRPC: CPO on OCPI with EMSP on gRPC, and the reverse.</summary>
public sealed class OcpiCdrsTests(OcpiHubFixture fixture) : IClassFixture<OcpiHubFixture>
{
    [Fact]
    public async Task PostCdr_CpoOverOcpi_PricedStoredOnGrpcFeedAndAtItsLocation()
    {
        var r = await Roaming.SetUpAsync(fixture.Hub);
        using var cpo = fixture.Client(await fixture.RegisterAsync(r.Cpo));
        await ExpectAsync(cpo.PutAsync(Receiver("tariffs", r.Cpo, "T-MIN"), Json(Roaming.MinPriceTariff)), 201, 1000, "PUT tariff");
        using var call = new CdrService.CdrServiceClient(fixture.Hub.Channel(r.EmspSecret)).SubscribeCdrs(new SubscribeCdrsRequest { FromBeginning = true });

        var (_, _, _, response) = await ExpectAsync(cpo.PostAsync("/ocpi/2.2.1/receiver/cdrs", Json(r.Cdr("C1"))), 201, 1000, "POST CDR");
        var location = response.Headers.Location!.ToString();
        Assert.Equal($"{fixture.OcpiUrl.ToString().TrimEnd('/')}/ocpi/2.2.1/receiver/cdrs/{r.Cpo.CountryCode}/{r.Cpo.PartyId}/C1", location);
        // A retry is idempotent: nothing new stored, the same Location.
        (_, _, _, response) = await ExpectAsync(cpo.PostAsync("/ocpi/2.2.1/receiver/cdrs", Json(r.Cdr("C1"))), 200, 1000, "POST again");
        Assert.Equal(location, response.Headers.Location!.ToString());
        // The hub prices it again and flags a declared total it does not agree with, as for gRPC.
        await ExpectAsync(cpo.PostAsync("/ocpi/2.2.1/receiver/cdrs", Json(r.Cdr("C2", total: 9.99m))), 201, 1000, "POST mispriced CDR");

        var events = new Dictionary<string, CdrEvent>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (events.Count < 2 && await call.ResponseStream.MoveNext(timeout.Token))
        {
            foreach (var e in call.ResponseStream.Current.Events)
            {
                events.TryAdd(e.Cdr.Id, e);
            }
        }

        Assert.True(events.Count == 2, $"the gRPC feed got {string.Join(", ", events.Keys)}");
        Assert.Equal((PriceCheckStatus.Matched, PriceCheckStatus.Mismatch), (events["C1"].Cdr.PriceCheck, events["C2"].Cdr.PriceCheck));
        Assert.Equal(r.Emsp, events["C1"].Cdr.Emsp);

        // The CPO reads the CDR back at its Location, as it sent it (money exact).
        var (_, _, data, _) = await ExpectAsync(cpo.GetAsync(location), 200, 1000, "GET at Location");
        Assert.Equal(("C1", 0.50m, 0.550m), ((string?)data!["id"], (decimal)data["total_cost"]!["excl_vat"]!, (decimal)data["total_cost"]!["incl_vat"]!));
    }

    [Fact]
    public async Task VersionDetails_SessionsCdrsTariffs_ListedWithBothRoles()
    {
        var r = await Roaming.SetUpAsync(fixture.Hub);
        using var cpo = fixture.Client(await fixture.RegisterAsync(r.Cpo));
        var (_, _, data, _) = await ExpectAsync(cpo.GetAsync("/ocpi/2.2.1"), 200, 1000, "version details");
        var endpoints = data!["endpoints"]!.AsArray().Select(e => ((string?)e!["identifier"], (string?)e["role"], (string?)e["url"])).ToList();
        var hub = fixture.OcpiUrl.ToString().TrimEnd('/');
        foreach (var module in new[] { "sessions", "cdrs", "tariffs" })
        {
            Assert.Contains((module, "SENDER", $"{hub}/ocpi/2.2.1/{module}"), endpoints);
            Assert.Contains((module, "RECEIVER", $"{hub}/ocpi/2.2.1/receiver/{module}"), endpoints);
        }
    }

    [Fact]
    public async Task ListCdrs_CpoOverGrpc_EmspPullsOverOcpiPaged()
    {
        var r = await Roaming.SetUpAsync(fixture.Hub);
        await new TariffService.TariffServiceClient(fixture.Hub.Channel(r.CpoSecret)).PutTariffAsync(new PutTariffRequest { OcpiJson = Roaming.MinPriceTariff });
        var batch = new SubmitCdrBatchRequest();
        batch.Cdrs.AddRange(new[] { "G1", "G2", "G3" }.Select(id => r.Cdr(id)));
        var acks = await new CdrService.CdrServiceClient(fixture.Hub.Channel(r.CpoSecret)).SubmitCdrBatchAsync(batch);
        Assert.All(acks.Acks, a => Assert.Equal(CdrAckStatus.Accepted, a.Status));

        using var emsp = fixture.Client(await fixture.RegisterAsync(r.Emsp));
        var (_, _, data, response) = await ExpectAsync(emsp.GetAsync("/ocpi/2.2.1/cdrs?limit=2&date_from=2022-01-13T00:00:00Z&date_to=2022-01-14T00:00:00Z"), 200, 1000, "GET page 1");
        Assert.Equal(["G1", "G2"], data!.AsArray().Select(c => (string?)c!["id"]).Order());
        Assert.Equal(("2", "3"), (Header(response, "X-Limit"), Header(response, "X-Total-Count")));
        var next = NextLink(response)!;
        Assert.Contains("date_from=", next, StringComparison.Ordinal);
        Assert.Contains("date_to=", next, StringComparison.Ordinal);
        (_, _, data, response) = await ExpectAsync(emsp.GetAsync(next), 200, 1000, "GET page 2");
        Assert.Equal(["G3"], data!.AsArray().Select(c => (string?)c!["id"]));
        Assert.Null(NextLink(response));
        Assert.Equal("TOKEN-1", (string?)data[0]!["cdr_token"]!["uid"]);

        // Outside the dates: nothing.
        (_, _, data, response) = await ExpectAsync(emsp.GetAsync("/ocpi/2.2.1/cdrs?date_from=2023-01-01T00:00:00Z"), 200, 1000, "GET later");
        Assert.Empty(data!.AsArray());
        Assert.Equal("0", Header(response, "X-Total-Count"));
    }

    [Fact]
    public async Task Cdrs_Denials_EmspPostsNoAgreementForeignPathUnknownCdr()
    {
        var r = await Roaming.SetUpAsync(fixture.Hub);
        var other = await Roaming.SetUpAsync(fixture.Hub);
        using var cpo = fixture.Client(await fixture.RegisterAsync(r.Cpo));
        using var emsp = fixture.Client(await fixture.RegisterAsync(r.Emsp));
        await ExpectAsync(cpo.PutAsync(Receiver("tariffs", r.Cpo, "T-MIN"), Json(Roaming.MinPriceTariff)), 201, 1000, "PUT tariff");
        await ExpectAsync(cpo.PostAsync("/ocpi/2.2.1/receiver/cdrs", Json(r.Cdr("MINE"))), 201, 1000, "POST CDR");

        await ExpectAsync(emsp.PostAsync("/ocpi/2.2.1/receiver/cdrs", Json(r.Cdr("X1"))), 403, 2000, "EMSP POST");
        // A CDR for an EMSP the CPO has no agreement with is refused naming cdr_token (the gRPC ack's reason), nothing stored.
        var (http, code, _, message, _) = await ReadAsync(await cpo.PostAsync("/ocpi/2.2.1/receiver/cdrs", Json(r.Cdr("X2", emsp: other.Emsp))));
        Assert.True((http, code) == (400, 2001) && message!.StartsWith("cdr_token", StringComparison.Ordinal) && message.Contains("agreement", StringComparison.Ordinal), $"HTTP {http}, {code}: {message}");
        await ExpectAsync(cpo.GetAsync(Receiver("cdrs", r.Cpo, "X2")), 404, 2003, "GET the refused CDR");
        // Another CPO's CDR (body or path) and an unknown one.
        (http, code, _, message, _) = await ReadAsync(await cpo.PostAsync("/ocpi/2.2.1/receiver/cdrs", Json(other.Cdr("X3"))));
        Assert.True((http, code) == (400, 2001) && (message!.StartsWith("country_code", StringComparison.Ordinal) || message.StartsWith("party_id", StringComparison.Ordinal)), $"HTTP {http}, {code}: {message}");
        await ExpectAsync(cpo.GetAsync(Receiver("cdrs", other.Cpo, "MINE")), 403, 2000, "GET under another CPO's URL");
        await ExpectAsync(cpo.GetAsync(Receiver("cdrs", r.Cpo, "NOPE")), 404, 2003, "GET unknown");
        // The other pair's EMSP sees none of these.
        using var otherEmsp = fixture.Client(await fixture.RegisterAsync(other.Emsp));
        var (_, _, data, _) = await ExpectAsync(otherEmsp.GetAsync("/ocpi/2.2.1/cdrs"), 200, 1000, "other EMSP GET list");
        Assert.Empty(data!.AsArray());
    }

    [Theory]
    [InlineData("{\"id\": ", "body")]
    [InlineData("\"a string\"", "body")]
    [InlineData("total_energy=\"1.2\"", "total_energy")]
    [InlineData("-total_cost", "total_cost")]
    [InlineData("-currency", "currency")]
    [InlineData("start_date_time=\"yesterday\"", "start_date_time")]
    [InlineData("charging_periods=[{\"start_date_time\":\"2022-01-13T14:30:00Z\",\"dimensions\":[{\"type\":\"WATTS\",\"volume\":1}]}]", "charging_periods[0].dimensions[0].type")]
    [InlineData("id=\"" + "ID3456789ID3456789ID3456789ID3456789ID3456789" + "\"", "id")]
    public async Task PostCdr_BadInput_400With2001NamingTheFieldNothingStored(string change, string field)
    {
        var r = await Roaming.SetUpAsync(fixture.Hub);
        using var cpo = fixture.Client(await fixture.RegisterAsync(r.Cpo));
        await ExpectAsync(cpo.PutAsync(Receiver("tariffs", r.Cpo, "T-MIN"), Json(Roaming.MinPriceTariff)), 201, 1000, "PUT tariff");
        var cdr = r.CdrNode("BAD");
        string body;
        if (change.StartsWith('-'))
        {
            cdr.Remove(change[1..]);
            body = cdr.ToJsonString();
        }
        else if (change.IndexOf('=', StringComparison.Ordinal) is > 0 and var eq && char.IsAsciiLetterLower(change[0]))
        {
            cdr[change[..eq]] = JsonNode.Parse(change[(eq + 1)..]);
            body = cdr.ToJsonString();
        }
        else
        {
            body = change;
        }

        var (http, code, _, message, _) = await ReadAsync(await cpo.PostAsync("/ocpi/2.2.1/receiver/cdrs", Json(body)));
        Assert.True((http, code) == (400, 2001), $"HTTP {http}, {code}: {message}");
        Assert.StartsWith(field, message, StringComparison.Ordinal);
        await ExpectAsync(cpo.GetAsync(Receiver("cdrs", r.Cpo, "BAD")), 404, 2003, "GET after the refusal");
    }
}
