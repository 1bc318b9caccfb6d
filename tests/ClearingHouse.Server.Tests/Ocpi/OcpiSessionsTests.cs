using System.Text.Json.Nodes;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using ClearingHouse.Server.Tests.Sessions;
using Google.Protobuf.WellKnownTypes;
using static ClearingHouse.Server.Tests.Ocpi.OcpiAnswers;
using static ClearingHouse.Server.Tests.Ocpi.OcpiRoamingData;

namespace ClearingHouse.Server.Tests.Ocpi;

/// <summary>The sessions module over real HTTP, on the same core as gRPC: CPO on OCPI with EMSP on gRPC, and the reverse.</summary>
public sealed class OcpiSessionsTests(OcpiHubFixture fixture) : IClassFixture<OcpiHubFixture>
{
    [Fact]
    public async Task PutPatchSession_CpoOverOcpi_GrpcSubscriberGetsItAndGetShowsIt()
    {
        var r = await Roaming.SetUpAsync(fixture.Hub);
        await PublishLocationAsync(fixture.Hub, r);
        using var cpo = fixture.Client(await fixture.RegisterAsync(r.Cpo));
        using var call = new SessionService.SessionServiceClient(fixture.Hub.Channel(r.EmspSecret)).SubscribeSessions(new SubscribeSessionsRequest { FromStart = true });

        await ExpectAsync(cpo.PutAsync(Receiver("sessions", r.Cpo, "S1"), Json(Session(r, "S1").ToJsonString())), 201, 1000, "PUT new session");
        await ExpectAsync(cpo.PutAsync(Receiver("sessions", r.Cpo, "S1"), Json(Session(r, "S1").ToJsonString())), 200, 1000, "PUT again");
        var patch = new JsonObject
        {
            ["status"] = "COMPLETED",
            ["kwh"] = 12.3456m,
            ["end_date_time"] = Time(T.AddMinutes(30)),
            ["charging_periods"] = new JsonArray(new JsonObject
            {
                ["start_date_time"] = Time(T),
                ["dimensions"] = new JsonArray(new JsonObject { ["type"] = "ENERGY", ["volume"] = 12.3456m }),
            }),
            ["total_cost"] = new JsonObject { ["excl_vat"] = 3.0864m, ["incl_vat"] = 3.7345m },
            ["last_updated"] = Time(T.AddMinutes(31)),
        };
        await ExpectAsync(cpo.PatchAsync(Receiver("sessions", r.Cpo, "S1"), Json(patch.ToJsonString())), 200, 1000, "PATCH");

        // The gRPC EMSP's feed carries the session as the OCPI CPO wrote it (changes of one session may be collapsed).
        var events = await call.ReadUntilAsync(s => s.Status == SessionStatus.Completed, seconds: 60);
        var last = events[^1].Session;
        Assert.Equal(("S1", r.Cpo.PartyId, 12.3456, "3.0864", "3.7345"), (last.Id, last.PartyId, last.Kwh, last.TotalCost.ExclVat, last.TotalCost.InclVat));
        Assert.Equal(T.AddMinutes(30), last.EndDateTime.ToDateTimeOffset());

        // The CPO reads back what the hub holds, in OCPI's form, money and volumes exact.
        var (_, _, data, _) = await ExpectAsync(cpo.GetAsync(Receiver("sessions", r.Cpo, "S1")), 200, 1000, "GET");
        Assert.Equal(("COMPLETED", "WHITELIST", "RFID", Time(T.AddMinutes(31))), ((string?)data!["status"], (string?)data["auth_method"], (string?)data["cdr_token"]!["type"], (string?)data["last_updated"]));
        Assert.Equal((12.3456m, 3.0864m), ((decimal)data["kwh"]!, (decimal)data["total_cost"]!["excl_vat"]!));
        Assert.Equal("ENERGY", (string?)data["charging_periods"]![0]!["dimensions"]![0]!["type"]);
    }

    [Fact]
    public async Task ListSessions_CpoOverGrpc_EmspPullsOverOcpiPagedWithFiltersKept()
    {
        var r = await Roaming.SetUpAsync(fixture.Hub);
        await PublishLocationAsync(fixture.Hub, r);
        var grpc = new SessionService.SessionServiceClient(fixture.Hub.Channel(r.CpoSecret));
        for (var i = 1; i <= 3; i++)
        {
            await grpc.PutSessionAsync(new PutSessionRequest { Session = ProtoSession(r, $"G{i}", T.AddMinutes(i)) });
        }

        using var emsp = fixture.Client(await fixture.RegisterAsync(r.Emsp));
        var (_, _, data, response) = await ExpectAsync(emsp.GetAsync($"/ocpi/2.2.1/sessions?limit=2&date_from={Time(T)}"), 200, 1000, "GET page 1");
        Assert.Equal(["G1", "G2"], data!.AsArray().Select(s => (string?)s!["id"]));
        Assert.Equal(("2", "3"), (Header(response, "X-Limit"), Header(response, "X-Total-Count")));
        var next = NextLink(response);
        Assert.NotNull(next);
        Assert.Contains("date_from=", next, StringComparison.Ordinal);
        Assert.StartsWith(fixture.OcpiUrl.ToString().TrimEnd('/') + "/ocpi/2.2.1/sessions?", next, StringComparison.Ordinal);
        (_, _, data, response) = await ExpectAsync(emsp.GetAsync(next), 200, 1000, "GET page 2");
        Assert.Equal(["G3"], data!.AsArray().Select(s => (string?)s!["id"]));
        Assert.Null(NextLink(response));
        Assert.Equal("AUTH_REQUEST", (string?)data[0]!["auth_method"]);
        Assert.Equal(1.25m, (decimal)data[0]!["kwh"]!);

        // date_to is exclusive; an offset without the cursor gives the same objects.
        (_, _, data, _) = await ExpectAsync(emsp.GetAsync($"/ocpi/2.2.1/sessions?date_to={Time(T.AddMinutes(2))}"), 200, 1000, "GET date_to");
        Assert.Equal(["G1"], data!.AsArray().Select(s => (string?)s!["id"]));
        (_, _, data, _) = await ExpectAsync(emsp.GetAsync("/ocpi/2.2.1/sessions?offset=1&limit=1"), 200, 1000, "GET offset");
        Assert.Equal(["G2"], data!.AsArray().Select(s => (string?)s!["id"]));
    }

    [Fact]
    public async Task Sessions_Denials_ForeignPathEmspWritesNoAgreementUnknownSession()
    {
        var r = await Roaming.SetUpAsync(fixture.Hub);
        var other = await Roaming.SetUpAsync(fixture.Hub);
        await PublishLocationAsync(fixture.Hub, r);
        using var cpo = fixture.Client(await fixture.RegisterAsync(r.Cpo));
        using var emsp = fixture.Client(await fixture.RegisterAsync(r.Emsp));

        // A CPO never writes another CPO's sessions, neither by the URL nor by the body.
        await ExpectAsync(cpo.PutAsync(Receiver("sessions", other.Cpo, "S1"), Json(Session(other, "S1").ToJsonString())), 403, 2000, "PUT under another CPO's URL");
        var foreignBody = Session(r, "S1");
        foreignBody["party_id"] = other.Cpo.PartyId;
        await ExpectAsync(cpo.PutAsync(Receiver("sessions", r.Cpo, "S1"), Json(foreignBody.ToJsonString())), 403, 2000, "PUT naming another CPO in the body");
        // Routing headers naming another party: refused before anything runs, nothing stored.
        using (var spoofed = new HttpRequestMessage(HttpMethod.Put, Receiver("sessions", r.Cpo, "S1")) { Content = Json(Session(r, "S1").ToJsonString()) })
        {
            spoofed.Headers.Add("OCPI-from-country-code", other.Cpo.CountryCode);
            spoofed.Headers.Add("OCPI-from-party-id", other.Cpo.PartyId);
            await ExpectAsync(cpo.SendAsync(spoofed), 403, 2001, "PUT with another party's OCPI-from-* headers");
        }

        await ExpectAsync(cpo.GetAsync(Receiver("sessions", r.Cpo, "S1")), 404, 2003, "GET after the spoofed PUT");
        // An EMSP writes no sessions; a CPO pulls no session list (the gRPC rules).
        await ExpectAsync(emsp.PutAsync(Receiver("sessions", r.Emsp, "S1"), Json(Session(r, "S1").ToJsonString())), 403, 2000, "EMSP PUT");
        await ExpectAsync(cpo.GetAsync("/ocpi/2.2.1/sessions"), 403, 2000, "CPO GET list");
        // A session for an EMSP the CPO has no agreement with cannot be routed: refused, nothing stored.
        var (http, code, _, message, _) = await ReadAsync(await cpo.PutAsync(Receiver("sessions", r.Cpo, "S2"), Json(Session(other with { Cpo = r.Cpo }, "S2").ToJsonString())));
        Assert.True((http, code) == (409, 2000) && message!.Contains("agreement", StringComparison.Ordinal), $"PUT without agreement: HTTP {http}, {code} ({message})");
        await ExpectAsync(cpo.GetAsync(Receiver("sessions", r.Cpo, "S2")), 404, 2003, "GET the refused session");
        // Unknown objects: 404 with 2003.
        await ExpectAsync(cpo.GetAsync(Receiver("sessions", r.Cpo, "NOPE")), 404, 2003, "GET unknown");
        await ExpectAsync(cpo.PatchAsync(Receiver("sessions", r.Cpo, "NOPE"), Json($$"""{"kwh":2,"last_updated":"{{Time(T)}}"}""")), 404, 2003, "PATCH unknown");
        // The EMSP's list holds nothing of the other pair.
        var (_, _, data, _) = await ExpectAsync(emsp.GetAsync("/ocpi/2.2.1/sessions"), 200, 1000, "EMSP GET list");
        Assert.Empty(data!.AsArray());
    }

    [Theory]
    [InlineData("{\"id\": ", "id")]
    [InlineData("[]", "body")]
    [InlineData("kwh=\"12\"", "kwh")]
    [InlineData("kwh=-1", "kwh")]
    [InlineData("-cdr_token", "cdr_token")]
    [InlineData("-currency", "currency")]
    [InlineData("status=\"RUNNING\"", "status")]
    [InlineData("auth_method=\"PIN\"", "auth_method")]
    [InlineData("start_date_time=\"yesterday\"", "start_date_time")]
    [InlineData("last_updated=\"2026-01-01T00:00:00+02:00\"", "last_updated")]
    [InlineData("end_date_time=\"2000-01-01T00:00:00Z\"", "end_date_time")]
    [InlineData("meter_id=\"" + "M123456789M123456789M123456789M123456789M123456789M123456789M123456789M123456789M123456789M123456789M123456789M123456789M123456789M123456789M123456789M123456789M123456789M123456789M123456789M123456789M123456789M123456789M123456789M123456789M123456789M123456789" + "\"", "meter_id")]
    [InlineData("cdr_token={\"country_code\":\"DE\",\"party_id\":\"XYZ\",\"uid\":\"U\",\"type\":\"CHIP\",\"contract_id\":\"C\"}", "cdr_token.type")]
    public async Task PutSession_BadInput_400With2001NamingTheFieldNothingApplied(string change, string field)
    {
        var r = await Roaming.SetUpAsync(fixture.Hub);
        await PublishLocationAsync(fixture.Hub, r);
        using var cpo = fixture.Client(await fixture.RegisterAsync(r.Cpo));
        var body = Apply(Session(r, "BAD"), change);
        var (http, code, _, message, _) = await ReadAsync(await cpo.PutAsync(Receiver("sessions", r.Cpo, "BAD"), Json(body)));
        Assert.True((http, code) == (400, 2001), $"HTTP {http}, {code}: {message}");
        Assert.StartsWith(field, message, StringComparison.Ordinal);
        await ExpectAsync(cpo.GetAsync(Receiver("sessions", r.Cpo, "BAD")), 404, 2003, "GET after the refusal");
    }

    // "name=json" sets a field, "-name" removes it, anything else replaces the whole body.
    private static string Apply(JsonObject session, string change)
    {
        if (change.StartsWith('-'))
        {
            session.Remove(change[1..]);
            return session.ToJsonString();
        }

        var eq = change.IndexOf('=', StringComparison.Ordinal);
        if (eq > 0 && char.IsAsciiLetterLower(change[0]))
        {
            session[change[..eq]] = JsonNode.Parse(change[(eq + 1)..]);
            return session.ToJsonString();
        }

        return change;
    }

    private static Session ProtoSession(Roaming r, string id, DateTimeOffset lastUpdated) => new()
    {
        CountryCode = r.Cpo.CountryCode,
        PartyId = r.Cpo.PartyId,
        Id = id,
        StartDateTime = Timestamp.FromDateTimeOffset(T),
        Kwh = 1.25,
        CdrToken = new CdrToken { CountryCode = r.Emsp.CountryCode, PartyId = r.Emsp.PartyId, Uid = "TOKEN1", Type = TokenType.Rfid, ContractId = "DE-XYZ-C0001" },
        AuthMethod = AuthMethod.AuthRequest,
        LocationId = "LOC1",
        EvseUid = "E1",
        ConnectorId = "1",
        Currency = "EUR",
        Status = SessionStatus.Active,
        LastUpdated = Timestamp.FromDateTimeOffset(lastUpdated),
    };
}
