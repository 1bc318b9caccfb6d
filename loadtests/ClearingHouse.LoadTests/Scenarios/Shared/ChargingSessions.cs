using ClearingHouse.Contracts.V1;
using ClearingHouse.LoadTests.Hub;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace ClearingHouse.LoadTests.Scenarios.Shared;

/// <summary>One charging session driven through the hub, step by step.</summary>
public sealed class ChargingSession(int cpo, PartyRef emsp, string id, string locationId, string evseUid)
{
    /// <summary>Index of the CPO in the <see cref="RoamingNetwork"/>.</summary>
    public int Cpo { get; } = cpo;

    /// <summary>The EMSP whose token charges.</summary>
    public PartyRef Emsp { get; } = emsp;

    /// <summary>The CPO's session id.</summary>
    public string Id { get; } = id;

    /// <summary>Where it charges.</summary>
    public string LocationId { get; } = locationId;

    /// <summary>Where it charges.</summary>
    public string EvseUid { get; } = evseUid;

    /// <summary>When the session started (set by <see cref="ChargingSessionDriver.StartAsync"/>).</summary>
    public DateTime Started { get; set; }

    /// <summary>From the authorization.</summary>
    public string? AuthorizationReference { get; set; }

    /// <summary>The next step to perform; the meaning is the caller's.</summary>
    public int Step { get; set; }
}

/// <summary>
/// The calls of a charging session as a CPO makes them: <c>Authorize</c>, <c>PutSession</c> ACTIVE
/// with the authorization_reference, <c>PatchSession</c> kWh updates, <c>PatchSession</c> COMPLETED.
/// A call throws an <see cref="RpcException"/> when the hub does not apply it.
/// </summary>
public sealed class ChargingSessionDriver(ConnectionSet connections, RoamingNetwork network)
{
    private readonly TokenService.TokenServiceClient[] _tokens = connections.CreateClients(c => new TokenService.TokenServiceClient(c));
    private readonly SessionService.SessionServiceClient[] _sessions = connections.CreateClients(c => new SessionService.SessionServiceClient(c));
    private readonly Metadata[] _cpoHeaders = [.. network.Cpos.Select(c => Bearer.Headers(c.Secret))];
    private long _sequence;

    /// <summary>The network the sessions run in.</summary>
    public RoamingNetwork Network => network;

    /// <summary>The headers of CPO <paramref name="cpo"/>.</summary>
    public Metadata CpoHeaders(int cpo) => _cpoHeaders[cpo];

    /// <summary>A new session (nothing sent yet) by CPO <paramref name="cpo"/> for a random EMSP.</summary>
    public ChargingSession New(int cpo, string locationId, string evseUid) =>
        new(cpo, network.Emsps[Random.Shared.Next(network.Emsps.Count)].Party.Ref, $"LT-{Environment.ProcessId:x}-{Interlocked.Increment(ref _sequence):x}", locationId, evseUid);

    /// <summary>Authorizes the session's token at its EVSE; keeps the authorization_reference.</summary>
    public async Task AuthorizeAsync(int connection, ChargingSession session, DateTime deadline, CancellationToken cancellationToken)
    {
        var authorization = await _tokens[connection].AuthorizeAsync(
            new AuthorizeRequest { Uid = RoamingNetwork.TokenUid(session.Emsp), Type = TokenType.Rfid, Location = new LocationReferences { LocationId = session.LocationId, EvseUids = { session.EvseUid } } },
            _cpoHeaders[session.Cpo], deadline, cancellationToken);
        if (authorization.Authorization.Allowed != AllowedType.Allowed)
        {
            throw new RpcException(new Status(StatusCode.Aborted, $"authorize: {authorization.Authorization.Allowed}"));
        }

        session.AuthorizationReference = authorization.Authorization.AuthorizationReference;
    }

    /// <summary>PutSession ACTIVE.</summary>
    public async Task StartAsync(int connection, ChargingSession session, DateTime deadline, CancellationToken cancellationToken)
    {
        var cpo = network.Cpos[session.Cpo].Party.Ref;
        session.Started = DateTime.UtcNow;
        var put = await _sessions[connection].PutSessionAsync(new PutSessionRequest
        {
            Session = new Session
            {
                CountryCode = cpo.CountryCode,
                PartyId = cpo.PartyId,
                Id = session.Id,
                StartDateTime = Timestamp.FromDateTime(session.Started),
                CdrToken = new CdrToken { CountryCode = session.Emsp.CountryCode, PartyId = session.Emsp.PartyId, Uid = RoamingNetwork.TokenUid(session.Emsp), Type = TokenType.Rfid, ContractId = $"NL-{session.Emsp.PartyId}-C0001" },
                AuthMethod = AuthMethod.AuthRequest,
                AuthorizationReference = session.AuthorizationReference ?? "",
                LocationId = session.LocationId,
                EvseUid = session.EvseUid,
                ConnectorId = "1",
                Currency = "EUR",
                Status = SessionStatus.Active,
                LastUpdated = Timestamp.FromDateTime(session.Started),
            },
        }, _cpoHeaders[session.Cpo], deadline, cancellationToken);
        Check(put.Result, "put");
    }

    /// <summary>
    /// PatchSession number <paramref name="update"/> (1-based; kWh grows with it), COMPLETED when
    /// <paramref name="complete"/>. CPO clocks tick in microseconds at least: each update is 1 ms later than the last.
    /// </summary>
    public async Task UpdateAsync(int connection, ChargingSession session, int update, bool complete, DateTime deadline, CancellationToken cancellationToken)
    {
        var patch = new PatchSessionRequest { SessionId = session.Id, LastUpdated = Timestamp.FromDateTime(session.Started.AddMilliseconds(update)), Kwh = update * 1.5 };
        if (complete)
        {
            patch.Status = SessionStatus.Completed;
            patch.EndDateTime = patch.LastUpdated;
        }

        Check((await _sessions[connection].PatchSessionAsync(patch, _cpoHeaders[session.Cpo], deadline, cancellationToken)).Result, complete ? "complete" : "patch");
    }

    private static void Check(SessionWriteResult result, string what)
    {
        if (result is not (SessionWriteResult.Created or SessionWriteResult.Updated))
        {
            throw new RpcException(new Status(StatusCode.Aborted, $"{what}: {result}"));
        }
    }
}

/// <summary>One SubscribeSessions stream per EMSP, counting the session events they receive.</summary>
public sealed class SessionWatchers(ConnectionSet connections, RoamingNetwork network, TextWriter log) : EmspWatchers(connections, network, log)
{
    /// <inheritdoc />
    protected override string Activity => "watching their sessions";

    /// <summary>Waits (at most 5 s, not at all once the streams ended, e.g. the hub went away) until <paramref name="writes"/> events arrived and says how many did.</summary>
    public Task ReportAsync(long writes, string what) =>
        WaitThenLogAsync(writes, () => $"watchers received {Events} session events for {writes} {what} (changes of one session may be collapsed into its latest version)");

    /// <summary>Live once the response headers arrived; every message counts as one event.</summary>
    protected override async Task WatchAsync(TestCredential emsp, TaskCompletionSource started, CancellationToken cancellationToken)
    {
        var client = new SessionService.SessionServiceClient(Connections[0]);
        using var call = client.SubscribeSessions(new SubscribeSessionsRequest(), Bearer.Headers(emsp.Secret), cancellationToken: cancellationToken);
        await call.ResponseHeadersAsync;
        started.TrySetResult();
        await foreach (var _ in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            Count(1);
        }
    }
}
