using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using ClearingHouse.Server.Tests.Tokens;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;

namespace ClearingHouse.Server.Tests.Sessions;

/// <summary>Session and command helpers over a <see cref="RoamingPair"/>.</summary>
public static class SessionTestKit
{
    public static readonly DateTime T0 = new(2026, 3, 1, 8, 0, 0, DateTimeKind.Utc);

    public static SessionService.SessionServiceClient CpoSessions(this RoamingPair pair) => new(pair.CpoChannel);

    public static SessionService.SessionServiceClient EmspSessions(this RoamingPair pair) => new(pair.EmspChannel);

    public static CommandService.CommandServiceClient EmspCommands(this RoamingPair pair) => new(pair.EmspChannel);

    /// <summary>A valid session of the pair's CPO for the pair's EMSP, last updated <paramref name="minute"/> minutes after T0.</summary>
    public static Session Session(this RoamingPair pair, string id, SessionStatus status = SessionStatus.Active, double kwh = 1, int minute = 1) => new()
    {
        CountryCode = pair.Cpo.CountryCode,
        PartyId = pair.Cpo.PartyId,
        Id = id,
        StartDateTime = Timestamp.FromDateTime(T0),
        Kwh = kwh,
        CdrToken = new CdrToken { CountryCode = pair.Emsp.CountryCode, PartyId = pair.Emsp.PartyId, Uid = "TOKEN1", Type = TokenType.Rfid, ContractId = "DE-XYZ-C0001" },
        AuthMethod = AuthMethod.AuthRequest,
        LocationId = "LOC1",
        EvseUid = "EVSE1",
        ConnectorId = "1",
        Currency = "EUR",
        Status = status,
        LastUpdated = Timestamp.FromDateTime(T0.AddMinutes(minute)),
    };

    public static async Task<PutSessionResponse> PutAsync(this RoamingPair pair, Session session)
    {
        await pair.EnsureLocationAsync();
        return await pair.CpoSessions().PutSessionAsync(new PutSessionRequest { Session = session }, deadline: DateTime.UtcNow.AddSeconds(30));
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Task>> Published = new();

    /// <summary>Publishes the pair's CPO location LOC1 with EVSE EVSE1 once: sessions must run at a known location of the CPO.</summary>
    public static Task EnsureLocationAsync(this RoamingPair pair) =>
        Published.GetOrAdd($"{pair.Cpo}|{pair.CpoChannel.Target}", _ => new Lazy<Task>(async () =>
        {
            var location = Locations.LocationTestData.Location("LOC1", evses: 1);
            location.Evses[0].Uid = "EVSE1";
            // Before T0, so tests whose hub clock is faked at T0 do not see it as from the future.
            var published = Timestamp.FromDateTime(T0.AddDays(-1));
            location.LastUpdated = published;
            location.Evses[0].LastUpdated = published;
            location.Evses[0].Connectors[0].LastUpdated = published;
            await new LocationService.LocationServiceClient(pair.CpoChannel).PutLocationAsync(new PutLocationRequest { Location = location }, deadline: DateTime.UtcNow.AddSeconds(30));
        })).Value;

    /// <summary>Reads events until <paramref name="count"/> arrived (or fails after the timeout).</summary>
    public static async Task<List<SubscribeSessionsResponse>> ReadAsync(this AsyncServerStreamingCall<SubscribeSessionsResponse> call, int count, int seconds = 20)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var events = new List<SubscribeSessionsResponse>();
        while (events.Count < count && await call.ResponseStream.MoveNext(cts.Token))
        {
            events.Add(call.ResponseStream.Current);
        }

        return events;
    }

    /// <summary>
    /// Reads events until one matches <paramref name="last"/> (or fails after the timeout). Changes of one
    /// session may be collapsed into its latest version, so tests wait for a state, not a count.
    /// </summary>
    public static async Task<List<SubscribeSessionsResponse>> ReadUntilAsync(this AsyncServerStreamingCall<SubscribeSessionsResponse> call, Func<Session, bool> last, int seconds = 20)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var events = new List<SubscribeSessionsResponse>();
        while (await call.ResponseStream.MoveNext(cts.Token))
        {
            events.Add(call.ResponseStream.Current);
            if (last(call.ResponseStream.Current.Session))
            {
                return events;
            }
        }

        throw new InvalidOperationException("the subscription ended early");
    }

    /// <summary>Gives <paramref name="emsp"/> an agreement with <paramref name="cpo"/> as well.</summary>
    public static async Task AgreeAsync(HubHost hub, PartyRef cpo, PartyRef emsp) =>
        await new PartyAdminService.PartyAdminServiceClient(hub.Channel(hub.OperatorSecret)).SetAgreementAsync(new SetAgreementRequest { Cpo = cpo, Emsp = emsp });

    /// <summary>The operator's session client.</summary>
    public static SessionService.SessionServiceClient OperatorSessions(HubHost hub) => new(hub.Channel(hub.OperatorSecret));

    /// <summary>A token of the pair's EMSP for commands.</summary>
    public static Token CommandToken(this RoamingPair pair) => pair.Token("APP-1", WhitelistType.Allowed, type: TokenType.AppUser);

    /// <summary>A START_SESSION at LOC1.</summary>
    public static Task<StartSessionResponse> StartAsync(this RoamingPair pair, DateTime? deadline = null) =>
        pair.EmspCommands().StartSessionAsync(
            new StartSessionRequest { Cpo = pair.Cpo, Command = new StartSession { Token = pair.CommandToken(), LocationId = "LOC1", EvseUid = "EVSE1" } },
            deadline: deadline ?? DateTime.UtcNow.AddSeconds(30)).ResponseAsync;

    public static GrpcChannel Operator(HubHost hub) => hub.Channel(hub.OperatorSecret);
}
