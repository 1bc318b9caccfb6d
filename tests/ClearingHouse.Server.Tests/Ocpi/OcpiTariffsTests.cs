using System.Text.Json.Nodes;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using static ClearingHouse.Server.Tests.Ocpi.OcpiAnswers;
using static ClearingHouse.Server.Tests.Ocpi.OcpiRoamingData;

namespace ClearingHouse.Server.Tests.Ocpi;

/// <summary>The tariffs module over real HTTP, on the same core as gRPC: CPO on OCPI with EMSP on gRPC, and the reverse.</summary>
public sealed class OcpiTariffsTests(OcpiHubFixture fixture) : IClassFixture<OcpiHubFixture>
{
    [Fact]
    public async Task PutDeleteTariff_CpoOverOcpi_GrpcEmspReadsItThenNotFound()
    {
        var r = await Roaming.SetUpAsync(fixture.Hub);
        using var cpo = fixture.Client(await fixture.RegisterAsync(r.Cpo));
        await ExpectAsync(cpo.PutAsync(Receiver("tariffs", r.Cpo, "T-MIN"), Json(Roaming.MinPriceTariff)), 201, 1000, "PUT new");
        await ExpectAsync(cpo.PutAsync(Receiver("tariffs", r.Cpo, "T-MIN"), Json(Roaming.MinPriceTariff)), 200, 1000, "PUT again");

        var grpc = new TariffService.TariffServiceClient(fixture.Hub.Channel(r.EmspSecret));
        var got = await grpc.GetTariffAsync(new GetTariffRequest { Cpo = r.Cpo, TariffId = "T-MIN" });
        Assert.Contains("\"min_price\"", got.Tariff.OcpiJson, StringComparison.Ordinal);

        var (_, _, data, _) = await ExpectAsync(cpo.GetAsync(Receiver("tariffs", r.Cpo, "T-MIN")), 200, 1000, "GET");
        Assert.Equal((r.Cpo.CountryCode, r.Cpo.PartyId, "EUR"), ((string?)data!["country_code"], (string?)data["party_id"], (string?)data["currency"]));
        Assert.Equal((0.25m, 0.50m), ((decimal)data["elements"]![0]!["price_components"]![0]!["price"]!, (decimal)data["min_price"]!["excl_vat"]!));

        await ExpectAsync(cpo.DeleteAsync(Receiver("tariffs", r.Cpo, "T-MIN")), 200, 1000, "DELETE");
        await ExpectAsync(cpo.GetAsync(Receiver("tariffs", r.Cpo, "T-MIN")), 404, 2003, "GET deleted");
        await ExpectAsync(cpo.DeleteAsync(Receiver("tariffs", r.Cpo, "T-MIN")), 404, 2003, "DELETE again");
        var ex = await Assert.ThrowsAsync<global::Grpc.Core.RpcException>(() => grpc.GetTariffAsync(new GetTariffRequest { Cpo = r.Cpo, TariffId = "T-MIN" }).ResponseAsync);
        Assert.Equal(global::Grpc.Core.StatusCode.NotFound, ex.StatusCode);
    }

    [Fact]
    public async Task ListTariffs_CpoOverGrpc_EmspPullsOverOcpiOnlyAgreedCpos()
    {
        var r = await Roaming.SetUpAsync(fixture.Hub);
        var other = await Roaming.SetUpAsync(fixture.Hub);
        var grpc = new TariffService.TariffServiceClient(fixture.Hub.Channel(r.CpoSecret));
        foreach (var (id, minutes) in new[] { ("A1", 1), ("A2", 2), ("A3", 3) })
        {
            await grpc.PutTariffAsync(new PutTariffRequest { OcpiJson = Tariff(id, T.AddMinutes(minutes)) });
        }

        await new TariffService.TariffServiceClient(fixture.Hub.Channel(other.CpoSecret)).PutTariffAsync(new PutTariffRequest { OcpiJson = Tariff("OTHER", T) });

        using var emsp = fixture.Client(await fixture.RegisterAsync(r.Emsp));
        var (_, _, data, response) = await ExpectAsync(emsp.GetAsync("/ocpi/2.2.1/tariffs?limit=2"), 200, 1000, "GET page 1");
        Assert.Equal(["A1", "A2"], data!.AsArray().Select(t => (string?)t!["id"]));
        Assert.Equal(("2", "3"), (Header(response, "X-Limit"), Header(response, "X-Total-Count")));
        (_, _, data, response) = await ExpectAsync(emsp.GetAsync(NextLink(response)!), 200, 1000, "GET page 2");
        Assert.Equal(["A3"], data!.AsArray().Select(t => (string?)t!["id"]));
        Assert.Null(NextLink(response));

        // date_from inclusive, date_to exclusive, both kept in the next link and counted.
        (_, _, data, response) = await ExpectAsync(emsp.GetAsync($"/ocpi/2.2.1/tariffs?limit=1&date_from={Time(T.AddMinutes(2))}&date_to={Time(T.AddMinutes(4))}"), 200, 1000, "GET dates");
        Assert.Equal(["A2"], data!.AsArray().Select(t => (string?)t!["id"]));
        Assert.Equal("2", Header(response, "X-Total-Count"));
        var next = NextLink(response)!;
        Assert.Contains("date_from=", next, StringComparison.Ordinal);
        Assert.Contains("date_to=", next, StringComparison.Ordinal);
        (_, _, data, _) = await ExpectAsync(emsp.GetAsync(next), 200, 1000, "GET dates page 2");
        Assert.Equal(["A3"], data!.AsArray().Select(t => (string?)t!["id"]));
    }

    [Fact]
    public async Task Tariffs_Denials_ForeignPathEmspWritesUnknownTariff()
    {
        var r = await Roaming.SetUpAsync(fixture.Hub);
        var other = await Roaming.SetUpAsync(fixture.Hub);
        using var cpo = fixture.Client(await fixture.RegisterAsync(r.Cpo));
        using var emsp = fixture.Client(await fixture.RegisterAsync(r.Emsp));
        await ExpectAsync(cpo.PutAsync(Receiver("tariffs", other.Cpo, "T1"), Json(Tariff("T1", T))), 403, 2000, "PUT under another CPO's URL");
        await ExpectAsync(cpo.DeleteAsync(Receiver("tariffs", other.Cpo, "T1")), 403, 2000, "DELETE under another CPO's URL");
        await ExpectAsync(emsp.PutAsync(Receiver("tariffs", r.Emsp, "T1"), Json(Tariff("T1", T))), 403, 2000, "EMSP PUT");
        var foreign = JsonNode.Parse(Tariff("T1", T))!.AsObject();
        foreign["party_id"] = other.Cpo.PartyId;
        var (http, code, _, message, _) = await ReadAsync(await cpo.PutAsync(Receiver("tariffs", r.Cpo, "T1"), Json(foreign.ToJsonString())));
        Assert.True((http, code) == (400, 2001) && message!.StartsWith("party_id", StringComparison.Ordinal), $"HTTP {http}, {code}: {message}");
        await ExpectAsync(cpo.GetAsync(Receiver("tariffs", r.Cpo, "NOPE")), 404, 2003, "GET unknown");
        await ExpectAsync(cpo.DeleteAsync(Receiver("tariffs", r.Cpo, "NOPE")), 404, 2003, "DELETE unknown");
    }

    [Theory]
    [InlineData("{\"id\": ", "body")]
    [InlineData("-currency", "currency")]
    [InlineData("-elements", "elements")]
    [InlineData("id=\"T2\"", "id")]
    [InlineData("currency=3", "currency")]
    [InlineData("elements=[{\"price_components\":[{\"type\":\"KWH\",\"price\":1,\"step_size\":1}]}]", "elements[0].price_components[0].type")]
    [InlineData("elements=[{\"price_components\":[{\"type\":\"ENERGY\",\"price\":\"1\",\"step_size\":1}]}]", "elements[0].price_components[0].price")]
    public async Task PutTariff_BadInput_400With2001NamingTheFieldNothingStored(string change, string field)
    {
        var r = await Roaming.SetUpAsync(fixture.Hub);
        using var cpo = fixture.Client(await fixture.RegisterAsync(r.Cpo));
        var tariff = JsonNode.Parse(Tariff("T1", T))!.AsObject();
        string body;
        if (change.StartsWith('-'))
        {
            tariff.Remove(change[1..]);
            body = tariff.ToJsonString();
        }
        else if (change.IndexOf('=', StringComparison.Ordinal) is > 0 and var eq && char.IsAsciiLetterLower(change[0]))
        {
            tariff[change[..eq]] = JsonNode.Parse(change[(eq + 1)..]);
            body = tariff.ToJsonString();
        }
        else
        {
            body = change;
        }

        var (http, code, _, message, _) = await ReadAsync(await cpo.PutAsync(Receiver("tariffs", r.Cpo, "T1"), Json(body)));
        Assert.True((http, code) == (400, 2001), $"HTTP {http}, {code}: {message}");
        Assert.StartsWith(field, message, StringComparison.Ordinal);
        await ExpectAsync(cpo.GetAsync(Receiver("tariffs", r.Cpo, "T1")), 404, 2003, "GET after the refusal");
    }

    private static string Tariff(string id, DateTimeOffset lastUpdated) => $$"""
        { "id": "{{id}}", "currency": "EUR",
          "elements": [ { "price_components": [ { "type": "ENERGY", "price": 0.30, "vat": 21.0, "step_size": 1 } ] } ],
          "last_updated": "{{Time(lastUpdated)}}" }
        """;
}
