using System.Text.Json.Nodes;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Locations;
using static ClearingHouse.Server.Tests.Locations.LocationTestData;
using static ClearingHouse.Server.Tests.Ocpi.OcpiLocationsTests.Times;
using static ClearingHouse.Server.Tests.Ocpi.OcpiAnswers;

namespace ClearingHouse.Server.Tests.Ocpi;

/// <summary>The locations module over real HTTP, on the same core as gRPC: a CPO on OCPI, EMSPs on gRPC and OCPI.</summary>
public sealed class OcpiLocationsTests(OcpiHubFixture fixture) : IClassFixture<OcpiHubFixture>
{
    [Fact]
    public async Task PatchEvse_CpoOverOcpi_GrpcSubscriberGetsTheStatus()
    {
        var r = await Roaming.SetUpAsync(fixture.Hub);
        using var cpo = fixture.Client(await fixture.RegisterAsync(r.Cpo));
        Assert.Equal((200, 1000), Pair(await ReadAsync(await cpo.PutAsync(Receiver(r.Cpo, "LOC1"), Json(Location(r.Cpo, "LOC1"))))));
        var (call, _) = await SubscribeAsync(r.EmspClient, new SubscribeStatusRequest { Cpos = { r.Cpo } });
        using var _call = call;

        var patch = new JsonObject { ["status"] = "CHARGING", ["last_updated"] = Time(T.AddSeconds(10)) };
        var (http, code, _, message, _) = await ReadAsync(await cpo.PatchAsync(Receiver(r.Cpo, "LOC1") + "/E1", Json(patch.ToJsonString())));
        Assert.True((http, code) == (200, 1000), $"PATCH EVSE: HTTP {http}, {code}: {message}");

        var (events, _) = await ReadEventsAsync(call.ResponseStream, 1);
        var e = Assert.Single(events);
        Assert.Equal(("LOC1", "E1", EvseStatus.Charging, T.AddSeconds(10)), (e.LocationId, e.EvseUid, e.Status, e.LastUpdated.ToDateTimeOffset()));
        Assert.Equal(r.Cpo, e.Cpo);

        // The CPO reads back what the hub holds, in OCPI's form.
        var (_, _, data, _, _) = await ReadAsync(await cpo.GetAsync(Receiver(r.Cpo, "LOC1")));
        Assert.Equal("CHARGING", (string?)data!["evses"]![0]!["status"]);
        Assert.Equal("IEC_62196_T2", (string?)data["evses"]![0]!["connectors"]![0]!["standard"]);
    }

    [Fact]
    public async Task Locations_EmspOverOcpi_ListsAgreedCposPagedAndMayNotWrite()
    {
        var r = await Roaming.SetUpAsync(fixture.Hub);
        using var cpo = fixture.Client(await fixture.RegisterAsync(r.Cpo));
        foreach (var id in new[] { "L1", "L2", "L3" })
        {
            Assert.Equal((200, 1000), Pair(await ReadAsync(await cpo.PutAsync(Receiver(r.Cpo, id), Json(Location(r.Cpo, id))))));
        }

        using var emsp = fixture.Client(await fixture.RegisterAsync(r.Emsp));
        var (http, code, data, message, response) = await ReadAsync(await emsp.GetAsync($"/ocpi/2.2.1/locations?limit=2&date_from={Time(T.AddHours(-1))}"));
        Assert.True((http, code) == (200, 1000), $"GET list: HTTP {http}, {code}: {message}");
        Assert.Equal(["L1", "L2"], data!.AsArray().Select(l => (string?)l!["id"]));
        Assert.Equal("2", response.Headers.GetValues("X-Limit").Single());
        Assert.Equal("3", response.Headers.GetValues("X-Total-Count").Single());
        var link = response.Headers.GetValues("Link").Single();
        Assert.Contains("rel=\"next\"", link, StringComparison.Ordinal);
        Assert.Contains("offset=2", link, StringComparison.Ordinal);
        Assert.Contains("date_from=", link, StringComparison.Ordinal);
        var next = link[(link.IndexOf('<', StringComparison.Ordinal) + 1)..link.IndexOf('>', StringComparison.Ordinal)];
        (http, code, data, _, response) = await ReadAsync(await emsp.GetAsync(next));
        Assert.Equal((200, 1000), (http, code));
        Assert.Equal(["L3"], data!.AsArray().Select(l => (string?)l!["id"]));
        Assert.False(response.Headers.Contains("Link"));

        // An offset without the cursor (a client computing its own) gives the same page.
        (_, _, data, _, _) = await ReadAsync(await emsp.GetAsync("/ocpi/2.2.1/locations?offset=2&limit=2"));
        Assert.Equal(["L3"], data!.AsArray().Select(l => (string?)l!["id"]));

        // An EMSP writes no locations: refused as over gRPC, nothing applied.
        (http, code, _, message, _) = await ReadAsync(await emsp.PutAsync(Receiver(r.Emsp, "X1"), Json(Location(r.Emsp, "X1"))));
        Assert.Equal((403, 2000), (http, code));
        Assert.Contains("CPO", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Locations_Denials_ForeignCpoPathTokenAUnknownLocation()
    {
        var r = await Roaming.SetUpAsync(fixture.Hub);
        var other = await Roaming.SetUpAsync(fixture.Hub);
        using var cpo = fixture.Client(await fixture.RegisterAsync(r.Cpo));
        var (http, code, _, _, _) = await ReadAsync(await cpo.PutAsync(Receiver(other.Cpo, "LOC1"), Json(Location(other.Cpo, "LOC1"))));
        Assert.Equal((403, 2000), (http, code));

        var (_, tokenA) = await fixture.PartyWithTokenAAsync(PartyRole.Cpo);
        using var withA = fixture.Client(tokenA);
        Assert.Equal(401, (await ReadAsync(await withA.GetAsync("/ocpi/2.2.1/locations"))).Http);

        (http, code, _, _, _) = await ReadAsync(await cpo.GetAsync(Receiver(r.Cpo, "NOPE")));
        Assert.Equal((404, 2003), (http, code));
        (http, code, _, _, _) = await ReadAsync(await cpo.PatchAsync(Receiver(r.Cpo, "NOPE") + "/E1", Json($$"""{"status":"AVAILABLE","last_updated":"{{Time(T)}}"}""")));
        Assert.Equal((404, 2003), (http, code));
    }

    [Fact]
    public async Task Locations_SuspendedParty_OcpiRefusedAsGrpcThenServedAfterReinstate()
    {
        var r = await Roaming.SetUpAsync(fixture.Hub);
        using var cpo = fixture.Client(await fixture.RegisterAsync(r.Cpo));
        var admin = new PartyAdminService.PartyAdminServiceClient(fixture.Hub.Channel(fixture.Hub.OperatorSecret));
        await admin.SuspendPartyAsync(new SuspendPartyRequest { Party = r.Cpo, Reason = "test" });

        // One identity: the suspension the operator set over gRPC refuses the party's OCPI token too.
        var (http, code, _, message, _) = await ReadAsync(await cpo.PutAsync(Receiver(r.Cpo, "LOC1"), Json(Location(r.Cpo, "LOC1"))));
        Assert.Equal((403, 2000), (http, code));
        Assert.Contains("suspended", message, StringComparison.Ordinal);
        await Infrastructure.Parties.AssertFails(global::Grpc.Core.StatusCode.PermissionDenied, () => r.CpoClient.PutLocationAsync(new PutLocationRequest { Location = LocationTestData.Location("LOC1") }).ResponseAsync);

        await admin.ReinstatePartyAsync(new ReinstatePartyRequest { Party = r.Cpo });
        Assert.Equal((200, 1000), Pair(await ReadAsync(await cpo.PutAsync(Receiver(r.Cpo, "LOC1"), Json(Location(r.Cpo, "LOC1"))))));
    }

    [Theory]
    [InlineData("""{"status":"BROKEN","last_updated":"2026-01-01T00:00:00Z"}""", "status")]
    [InlineData("""{"status":"AVAILABLE","last_updated":"yesterday"}""", "last_updated")]
    [InlineData("""{"status":"AVAILABLE","last_updated":"2026-01-01T00:00:00+02:00"}""", "last_updated")]
    [InlineData("""{"status":"AVAILABLE"}""", "last_updated")]
    [InlineData("""{"status":"AVAILABLE","floor_level":"12345","last_updated":"2026-01-01T00:00:00Z"}""", "floor_level")]
    [InlineData("""{"status":7,"last_updated":"2026-01-01T00:00:00Z"}""", "status")]
    public async Task PatchEvse_BadInput_400With2001NamingTheFieldNothingApplied(string body, string field)
    {
        var r = await Roaming.SetUpAsync(fixture.Hub);
        using var cpo = fixture.Client(await fixture.RegisterAsync(r.Cpo));
        Assert.Equal((200, 1000), Pair(await ReadAsync(await cpo.PutAsync(Receiver(r.Cpo, "LOC1"), Json(Location(r.Cpo, "LOC1"))))));
        var (http, code, _, message, _) = await ReadAsync(await cpo.PatchAsync(Receiver(r.Cpo, "LOC1") + "/E1", Json(body)));
        Assert.Equal((400, 2001), (http, code));
        Assert.StartsWith(field, message, StringComparison.Ordinal);
        var (_, _, data, _, _) = await ReadAsync(await cpo.GetAsync(Receiver(r.Cpo, "LOC1")));
        Assert.Equal(("AVAILABLE", Time(T)), ((string?)data!["evses"]![0]!["status"], (string?)data["evses"]![0]!["last_updated"]));
    }

    /// <summary>The test times: whole seconds, as OCPI partners commonly send them.</summary>
    internal static class Times
    {
        /// <summary>A day ago, to the second.</summary>
        public static readonly DateTimeOffset T = new(T0.UtcTicks - (T0.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
    }

    private static (int, int) Pair((int Http, int Code, JsonNode?, string?, HttpResponseMessage) answer) => (answer.Http, answer.Code);

    private static string Receiver(PartyRef party, string location) => $"/ocpi/2.2.1/receiver/locations/{party.CountryCode}/{party.PartyId}/{location}";

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>An OCPI location of <paramref name="cpo"/> with EVSEs E1 and E2, AVAILABLE at T (whole seconds).</summary>
    private static string Location(PartyRef cpo, string id) => new JsonObject
    {
        ["country_code"] = cpo.CountryCode,
        ["party_id"] = cpo.PartyId,
        ["id"] = id,
        ["publish"] = true,
        ["name"] = "Station " + id,
        ["address"] = "Main street 1",
        ["city"] = "Utrecht",
        ["postal_code"] = "3511AA",
        ["country"] = "NLD",
        ["coordinates"] = new JsonObject { ["latitude"] = "52.090737", ["longitude"] = "5.121420" },
        ["time_zone"] = "Europe/Amsterdam",
        ["parking_type"] = "ON_STREET",
        ["evses"] = new JsonArray(Evse("E1"), Evse("E2")),
        ["last_updated"] = Time(T),
    }.ToJsonString();

    private static JsonObject Evse(string uid) => new()
    {
        ["uid"] = uid,
        ["status"] = "AVAILABLE",
        ["connectors"] = new JsonArray(new JsonObject
        {
            ["id"] = "1",
            ["standard"] = "IEC_62196_T2",
            ["format"] = "SOCKET",
            ["power_type"] = "AC_3_PHASE",
            ["max_voltage"] = 230,
            ["max_amperage"] = 32,
            ["last_updated"] = Time(T),
        }),
        ["last_updated"] = Time(T),
    };
}
