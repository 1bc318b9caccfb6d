using System.Globalization;
using ClearingHouse.Contracts.V1;
using ClearingHouse.LoadTests.Cli;
using ClearingHouse.LoadTests.Hub;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace ClearingHouse.LoadTests.Scenarios;

/// <summary>
/// Loads the session flow end to end. Set-up provisions <c>SESSION_CPOS</c> CPOs (default 4) and
/// <c>SESSION_EMSPS</c> EMSPs (default 2) with agreements between all of them, one whitelist-ALWAYS
/// token per EMSP, and one SubscribeSessions watcher per EMSP. One arrival is one whole session:
/// <c>Authorize</c> -> <c>PutSession</c> ACTIVE with the authorization_reference -> <c>SESSION_UPDATES</c>
/// (default 3) <c>PatchSession</c> kWh updates -> <c>PatchSession</c> COMPLETED, by a CPO chosen per
/// connection, for a random EMSP. Its latency is the whole lifecycle (5 + updates calls). An arrival
/// fails when a write is not applied (a result other than CREATED/UPDATED). At the end the watchers
/// report how many session events they received against how many writes were made.
/// </summary>
public sealed class SessionLifecycleScenario : IScenario
{
    public string Name => "session-lifecycle";

    public string Description => "authorize -> PutSession -> PatchSession updates -> COMPLETED, many CPOs, EMSPs watching; env SESSION_CPOS / SESSION_EMSPS / SESSION_UPDATES";

    public bool UsesHub => true;

    public async Task<IScenarioRun> StartAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var hub = context.Options.Hub;
        var cpos = Env("SESSION_CPOS", 4);
        var emsps = Env("SESSION_EMSPS", 2);
        var updates = Env("SESSION_UPDATES", 3);
        if (cpos is < 1 or > 50 || emsps is < 1 or > 50 || updates is < 0 or > 100)
        {
            throw new LoadTestSetupException("SESSION_CPOS and SESSION_EMSPS must be within 1..50, SESSION_UPDATES within 0..100");
        }

        var provisioner = new TestPartyProvisioner(hub, context.RequireOperatorCredential(), Name, context.Log);
        ConnectionSet? connections = null;
        Run? run = null;
        try
        {
            var cpoParties = new List<TestCredential>();
            var emspParties = new List<TestCredential>();
            for (var i = 0; i < cpos; i++)
            {
                cpoParties.Add(await provisioner.ProvisionPartyAsync(PartyRole.Cpo, cancellationToken));
            }

            for (var i = 0; i < emsps; i++)
            {
                emspParties.Add(await provisioner.ProvisionPartyAsync(PartyRole.Emsp, cancellationToken));
            }

            foreach (var cpo in cpoParties)
            {
                foreach (var emsp in emspParties)
                {
                    await provisioner.SetAgreementAsync(cpo.Party, emsp.Party, cancellationToken);
                }
            }

            connections = context.OpenConnections(hub);
            // Sessions must run at a location the CPO published: one location LOC1 with EVSE1 each.
            var locations = new LocationService.LocationServiceClient(connections[0]);
            foreach (var cpo in cpoParties)
            {
                await locations.PutLocationAsync(new PutLocationRequest { Location = LocationOf() }, Bearer.Headers(cpo.Secret), DateTime.UtcNow.AddSeconds(10), cancellationToken);
            }

            var tokens = new TokenService.TokenServiceClient(connections[0]);
            foreach (var emsp in emspParties)
            {
                await tokens.PutTokenAsync(new PutTokenRequest { Token = TokenOf(emsp) }, Bearer.Headers(emsp.Secret), DateTime.UtcNow.AddSeconds(10), cancellationToken);
            }

            run = new Run(provisioner, connections, cpoParties, emspParties, updates, context.Log);
            await run.StartWatchersAsync(cancellationToken);
            for (var i = 0; i < connections.Count; i++)
            {
                try
                {
                    await run.ExecuteAsync(i, DateTime.UtcNow.AddSeconds(10), cancellationToken);
                }
                catch (RpcException e)
                {
                    throw HubErrors.Explain(e, hub, "SessionService.PutSession with a test CPO's credential");
                }
            }

            return run;
        }
        catch
        {
            if (run is not null)
            {
                await run.DisposeAsync();
            }
            else
            {
                connections?.Dispose();
                await provisioner.DisposeAsync();
            }

            throw;
        }
    }

    private static Location LocationOf()
    {
        var now = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow.AddMinutes(-1));
        return new Location
        {
            Id = "LOC1",
            Publish = true,
            Name = "Load test station",
            Address = "Teststraat 1",
            City = "Utrecht",
            PostalCode = "3511AA",
            Country = "NLD",
            Coordinates = new GeoLocation { Latitude = "52.0907", Longitude = "5.1214" },
            TimeZone = "Europe/Amsterdam",
            LastUpdated = now,
            Evses =
            {
                new Evse
                {
                    Uid = "EVSE1",
                    Status = EvseStatus.Available,
                    LastUpdated = now,
                    Connectors =
                    {
                        new Connector
                        {
                            Id = "1", Standard = ConnectorType.Iec62196T2, Format = ConnectorFormat.Socket, PowerType = PowerType.Ac3Phase,
                            MaxVoltage = 230, MaxAmperage = 32, LastUpdated = now,
                        },
                    },
                },
            },
        };
    }

    private static Token TokenOf(TestCredential emsp) => new()
    {
        CountryCode = emsp.Party.Ref.CountryCode,
        PartyId = emsp.Party.Ref.PartyId,
        Uid = $"{emsp.Party.Ref.PartyId}-SESSIONS",
        Type = TokenType.Rfid,
        ContractId = $"NL-{emsp.Party.Ref.PartyId}-C0001",
        Issuer = "load test",
        Valid = true,
        Whitelist = WhitelistType.Always,
    };

    private static int Env(string name, int fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } text
            ? int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : throw new LoadTestSetupException($"{name}='{text}' is not a number")
            : fallback;

    private sealed class Run(TestPartyProvisioner provisioner, ConnectionSet connections, List<TestCredential> cpos, List<TestCredential> emsps, int updates, TextWriter log) : IScenarioRun
    {
        private readonly TokenService.TokenServiceClient[] _tokens = connections.CreateClients(c => new TokenService.TokenServiceClient(c));
        private readonly SessionService.SessionServiceClient[] _sessions = connections.CreateClients(c => new SessionService.SessionServiceClient(c));
        private readonly Metadata[] _cpoHeaders = [.. cpos.Select(c => Bearer.Headers(c.Secret))];
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Task> _watchers = [];
        private long _writes;
        private long _events;
        private long _sequence;

        public string Target => $"session lifecycle ({updates} updates) by {cpos.Count} CPOs for {emsps.Count} watching EMSPs at {connections.Address}";

        public async Task StartWatchersAsync(CancellationToken cancellationToken)
        {
            var ready = new List<Task>();
            foreach (var emsp in emsps)
            {
                var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                ready.Add(started.Task);
                _watchers.Add(WatchAsync(emsp, started));
            }

            await Task.WhenAll(ready).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            await log.WriteLineAsync($"{emsps.Count} EMSPs watching their sessions");
        }

        public async Task ExecuteAsync(int connection, DateTime deadline, CancellationToken cancellationToken)
        {
            var cpoIndex = connection % cpos.Count;
            var cpo = cpos[cpoIndex].Party.Ref;
            var headers = _cpoHeaders[cpoIndex];
            var emsp = emsps[Random.Shared.Next(emsps.Count)].Party.Ref;
            var uid = $"{emsp.PartyId}-SESSIONS";
            var sessions = _sessions[connection];

            var authorization = await _tokens[connection].AuthorizeAsync(
                new AuthorizeRequest { Uid = uid, Type = TokenType.Rfid, Location = new LocationReferences { LocationId = "LOC1", EvseUids = { "EVSE1" } } },
                headers, deadline, cancellationToken);
            if (authorization.Authorization.Allowed != AllowedType.Allowed)
            {
                throw new RpcException(new Status(StatusCode.Aborted, $"authorize: {authorization.Authorization.Allowed}"));
            }

            var id = $"LT-{Environment.ProcessId:x}-{Interlocked.Increment(ref _sequence):x}";
            var started = DateTime.UtcNow;
            var put = await sessions.PutSessionAsync(new PutSessionRequest
            {
                Session = new Session
                {
                    CountryCode = cpo.CountryCode,
                    PartyId = cpo.PartyId,
                    Id = id,
                    StartDateTime = Timestamp.FromDateTime(started),
                    CdrToken = new CdrToken { CountryCode = emsp.CountryCode, PartyId = emsp.PartyId, Uid = uid, Type = TokenType.Rfid, ContractId = $"NL-{emsp.PartyId}-C0001" },
                    AuthMethod = AuthMethod.AuthRequest,
                    AuthorizationReference = authorization.Authorization.AuthorizationReference,
                    LocationId = "LOC1",
                    EvseUid = "EVSE1",
                    ConnectorId = "1",
                    Currency = "EUR",
                    Status = SessionStatus.Active,
                    LastUpdated = Timestamp.FromDateTime(started),
                },
            }, headers, deadline, cancellationToken);
            Check(put.Result, "put");

            // CPO clocks tick in microseconds at least: each update is 1 ms later than the last.
            for (var u = 1; u <= updates + 1; u++)
            {
                var patch = new PatchSessionRequest { SessionId = id, LastUpdated = Timestamp.FromDateTime(started.AddMilliseconds(u)), Kwh = u * 1.5 };
                if (u == updates + 1)
                {
                    patch.Status = SessionStatus.Completed;
                    patch.EndDateTime = patch.LastUpdated;
                }

                Check((await sessions.PatchSessionAsync(patch, headers, deadline, cancellationToken)).Result, "patch");
            }

            Interlocked.Add(ref _writes, updates + 2);
        }

        public async ValueTask DisposeAsync()
        {
            // Give the watchers a moment to receive the last changes before counting.
            var writes = Interlocked.Read(ref _writes);
            var until = DateTime.UtcNow.AddSeconds(5);
            while (Interlocked.Read(ref _events) < writes && DateTime.UtcNow < until)
            {
                await Task.Delay(100);
            }

            await log.WriteLineAsync($"watchers received {Interlocked.Read(ref _events)} session events for {writes} writes of completed lifecycles (changes of one session may be collapsed into its latest version)");
            await _stop.CancelAsync();
            try
            {
                await Task.WhenAll(_watchers).WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception)
            {
                // The watchers end with the run; their status is of no interest.
            }

            _stop.Dispose();
            connections.Dispose();
            await provisioner.DisposeAsync();
        }

        private static void Check(SessionWriteResult result, string what)
        {
            if (result is not (SessionWriteResult.Created or SessionWriteResult.Updated))
            {
                throw new RpcException(new Status(StatusCode.Aborted, $"{what}: {result}"));
            }
        }

        private async Task WatchAsync(TestCredential emsp, TaskCompletionSource started)
        {
            try
            {
                var client = new SessionService.SessionServiceClient(connections[0]);
                using var call = client.SubscribeSessions(new SubscribeSessionsRequest(), Bearer.Headers(emsp.Secret), cancellationToken: _stop.Token);
                await call.ResponseHeadersAsync;
                started.TrySetResult();
                await foreach (var _ in call.ResponseStream.ReadAllAsync(_stop.Token))
                {
                    Interlocked.Increment(ref _events);
                }
            }
            catch (Exception ex)
            {
                started.TrySetException(ex);
            }
        }
    }
}
