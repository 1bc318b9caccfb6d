using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using ClearingHouse.Contracts.V1;
using ClearingHouse.LoadTests.Cli;
using ClearingHouse.LoadTests.Hub;
using ClearingHouse.LoadTests.Scenarios.Shared;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace ClearingHouse.LoadTests.Scenarios;

/// <summary>
/// A realistic mix of the flows, one gRPC call per arrival (so the rate compares with calibrate's R).
/// Set-up: <c>ROAMING_CPOS</c> CPOs (default 4) x <c>ROAMING_EMSPS</c> EMSPs (default 2) with agreements,
/// one token per EMSP, per CPO a tariff and one location of <c>ROAMING_EVSES</c> EVSEs (default 20);
/// per EMSP a SubscribeSessions and a SubscribeStatus watcher. Arrivals are drawn so that for every
/// charging session there are 1 Authorize, 1 PutSession, <c>ROAMING_SESSION_UPDATES</c> (default 3)
/// PatchSession progress updates, 1 PatchSession COMPLETED, 1 SubmitCdrBatch of that session's CDR, and
/// <c>ROAMING_STATUS_CALLS</c> (default 2) StreamStatusUpdates calls of <c>ROAMING_STATUS_BATCH</c>
/// (default 5) EVSE status updates. Sessions advance one step per arrival and interleave (many open at
/// once, like a day of charging). See the README for why these proportions.
/// </summary>
public sealed class RoamingDayScenario : IScenario
{
    public string Name => "roaming-day";

    public string Description => "a day's mix per charging session: authorize, PutSession, PatchSession updates, COMPLETED, CDR, and status batches; env ROAMING_CPOS / ROAMING_EMSPS / ROAMING_EVSES / ROAMING_SESSION_UPDATES / ROAMING_STATUS_CALLS / ROAMING_STATUS_BATCH";

    public bool UsesHub => true;

    public async Task<IScenarioRun> StartAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var hub = context.Options.Hub;
        var mix = new Mix(
            ScenarioEnv.Get("ROAMING_SESSION_UPDATES", 3),
            ScenarioEnv.Get("ROAMING_STATUS_CALLS", 2),
            ScenarioEnv.Get("ROAMING_STATUS_BATCH", 5),
            ScenarioEnv.Get("ROAMING_EVSES", 20));
        var cpos = ScenarioEnv.Get("ROAMING_CPOS", 4);
        var emsps = ScenarioEnv.Get("ROAMING_EMSPS", 2);
        if (cpos is < 1 or > 50 || emsps is < 1 or > 50 || mix.SessionUpdates is < 0 or > 100 || mix.StatusCalls is < 0 or > 100
            || mix.StatusBatch is < 1 or > 1000 || mix.Evses is < 1 or > 1000)
        {
            throw new LoadTestSetupException("ROAMING_CPOS and ROAMING_EMSPS must be within 1..50, ROAMING_SESSION_UPDATES and ROAMING_STATUS_CALLS within 0..100, ROAMING_STATUS_BATCH and ROAMING_EVSES within 1..1000");
        }

        var provisioner = new TestPartyProvisioner(hub, context.RequireOperatorCredential(), Name, context.Log);
        ConnectionSet? connections = null;
        Run? run = null;
        try
        {
            connections = context.OpenConnections(hub);
            var network = await RoamingNetwork.ProvisionAsync(provisioner, cpos, emsps, new TokenService.TokenServiceClient(connections[0]), cancellationToken);
            try
            {
                var tariffs = new TariffService.TariffServiceClient(connections[0]);
                var locations = new LocationService.LocationServiceClient(connections[0]);
                foreach (var cpo in network.Cpos)
                {
                    var headers = Bearer.Headers(cpo.Secret);
                    await tariffs.PutTariffAsync(new PutTariffRequest { OcpiJson = CdrTemplates.Tariff }, headers, DateTime.UtcNow.AddSeconds(10), cancellationToken);
                    await locations.PutLocationAsync(new PutLocationRequest { Location = StationTemplates.Location(mix.Evses) }, headers, DateTime.UtcNow.AddSeconds(10), cancellationToken);
                }
            }
            catch (RpcException e)
            {
                throw HubErrors.Explain(e, hub, "TariffService.PutTariff / LocationService.PutLocation as a test CPO");
            }

            await context.Log.WriteLineAsync($"{cpos} CPOs with a tariff and a location of {mix.Evses} EVSEs; per session {mix.SessionCalls} session calls and {mix.StatusCalls} status calls of {mix.StatusBatch} updates");
            run = new Run(provisioner, connections, network, mix, context.Log);
            await run.StartWatchersAsync(cancellationToken);

            // One call of each kind on every connection, so a hub that refuses any of them fails the set-up.
            for (var i = 0; i < connections.Count; i++)
            {
                try
                {
                    await run.SendStatusAsync(i, DateTime.UtcNow.AddSeconds(10), cancellationToken);
                    await run.RunWholeSessionAsync(i, DateTime.UtcNow.AddSeconds(10), cancellationToken);
                }
                catch (RpcException e)
                {
                    throw HubErrors.Explain(e, hub, "the roaming-day calls with a test CPO's credential");
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



    /// <summary>The proportions: per session <see cref="SessionCalls"/> session calls and <see cref="StatusCalls"/> status calls.</summary>
    private sealed record Mix(int SessionUpdates, int StatusCalls, int StatusBatch, int Evses)
    {
        /// <summary>Authorize, PutSession, the updates, COMPLETED, the CDR.</summary>
        public int SessionCalls => SessionUpdates + 4;
    }

    private enum Kind
    {
        Status,
        Authorize,
        PutSession,
        PatchSession,
        Complete,
        Cdr,
    }

    private sealed class Run(TestPartyProvisioner provisioner, ConnectionSet connections, RoamingNetwork network, Mix mix, TextWriter log) : IScenarioRun
    {
        private static readonly EvseStatus[] Statuses = [EvseStatus.Available, EvseStatus.Charging, EvseStatus.Available, EvseStatus.Charging, EvseStatus.Blocked, EvseStatus.Inoperative];

        private readonly ChargingSessionDriver _driver = new(connections, network);
        private readonly LocationService.LocationServiceClient[] _locations = connections.CreateClients(c => new LocationService.LocationServiceClient(c));
        private readonly CdrService.CdrServiceClient[] _cdrs = connections.CreateClients(c => new CdrService.CdrServiceClient(c));
        private readonly Dictionary<string, CdrTemplates.Builder> _cdrBuilders = network.Emsps.ToDictionary(e => e.Party.Ref.PartyId, e => new CdrTemplates.Builder(e.Party.Ref, RoamingNetwork.TokenUid(e.Party.Ref)));
        private readonly ConcurrentQueue<ChargingSession> _open = new();
        private readonly long[] _calls = new long[6];
        private readonly long[] _ticks = new long[6];
        private readonly StatusWatchers _statusWatchers = new(connections, network, log);
        private readonly SessionWatchers _sessionWatchers = new(connections, network, log);
        private long _sessionArrivals;
        private long _accepted;
        private long _stale;

        public string Target =>
            $"roaming day by {network.Cpos.Count} CPOs for {network.Emsps.Count} watching EMSPs: per session {mix.SessionCalls} session calls ({mix.SessionUpdates} updates) and {mix.StatusCalls} status calls x {mix.StatusBatch} updates, at {connections.Address}";

        public async Task StartWatchersAsync(CancellationToken cancellationToken)
        {
            await _sessionWatchers.StartAsync(cancellationToken);
            await _statusWatchers.StartAsync(cancellationToken);
        }

        public async Task ExecuteAsync(int connection, DateTime deadline, CancellationToken cancellationToken)
        {
            var draw = Random.Shared.Next(mix.SessionCalls + mix.StatusCalls);
            if (draw < mix.StatusCalls)
            {
                await SendStatusAsync(connection, deadline, cancellationToken);
                return;
            }

            // Every SessionCalls-th session arrival starts a session; the others advance the oldest open
            // one by one step, so starts and steps keep the proportions and sessions interleave.
            ChargingSession? session = null;
            if (Interlocked.Increment(ref _sessionArrivals) % mix.SessionCalls == 0 || !_open.TryDequeue(out session))
            {
                session = _driver.New(Random.Shared.Next(network.Cpos.Count), "LOC1", StationTemplates.EvseUid(1 + Random.Shared.Next(mix.Evses)));
            }

            var done = await StepAsync(connection, session, deadline, cancellationToken);
            if (!done)
            {
                _open.Enqueue(session);
            }
        }

        /// <summary>One status call: a stream with one message of <see cref="Mix.StatusBatch"/> updates of random EVSEs.</summary>
        public async Task SendStatusAsync(int connection, DateTime deadline, CancellationToken cancellationToken)
        {
            var started = Stopwatch.GetTimestamp();
            var cpo = Random.Shared.Next(network.Cpos.Count);
            var message = new StreamStatusUpdatesRequest();
            var now = DateTime.UtcNow;
            for (var i = 0; i < mix.StatusBatch; i++)
            {
                message.Updates.Add(new StatusUpdate
                {
                    LocationId = "LOC1",
                    EvseUid = StationTemplates.EvseUid(1 + Random.Shared.Next(mix.Evses)),
                    Status = Statuses[Random.Shared.Next(Statuses.Length)],
                    LastUpdated = Timestamp.FromDateTime(now.AddTicks(i * 10)),
                });
            }

            using var call = _locations[connection].StreamStatusUpdates(_driver.CpoHeaders(cpo), deadline, cancellationToken);
            await call.RequestStream.WriteAsync(message, cancellationToken);
            await call.RequestStream.CompleteAsync();
            var summary = await call;
            if (summary.Rejected > 0)
            {
                var first = summary.Rejections.FirstOrDefault();
                throw new RpcException(new Status(StatusCode.Aborted, $"status: {summary.Rejected} rejected ({first?.Reason} {first?.Detail})"));
            }

            Interlocked.Add(ref _accepted, summary.Accepted);
            Interlocked.Add(ref _stale, summary.Stale);
            Count(Kind.Status, started);
        }

        /// <summary>A whole session, every step (used once per connection by the set-up check).</summary>
        public async Task RunWholeSessionAsync(int connection, DateTime deadline, CancellationToken cancellationToken)
        {
            var session = _driver.New(connection % network.Cpos.Count, "LOC1", StationTemplates.EvseUid(1));
            while (!await StepAsync(connection, session, deadline, cancellationToken))
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            var calls = new Dictionary<Kind, long>();
            var lines = new List<string>();
            foreach (var kind in System.Enum.GetValues<Kind>())
            {
                var n = Interlocked.Read(ref _calls[(int)kind]);
                var mean = n == 0 ? 0 : Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _ticks[(int)kind]) / n).TotalMilliseconds;
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{kind} {n} (mean service {mean:0.00} ms)"));
                calls[kind] = n;
            }

            await log.WriteLineAsync("roaming-day calls made (set-up and warm-up included): " + string.Join(", ", lines));
            await log.WriteLineAsync($"status updates accepted {Interlocked.Read(ref _accepted)}, stale {Interlocked.Read(ref _stale)} (two updates of one EVSE in flight at once: the later one wins); {_open.Count} sessions left open");
            await _sessionWatchers.ReportAsync(calls[Kind.PutSession] + calls[Kind.PatchSession] + calls[Kind.Complete], "session writes");
            await _statusWatchers.ReportAsync(Interlocked.Read(ref _accepted));
            await _sessionWatchers.DisposeAsync();
            await _statusWatchers.DisposeAsync();
            connections.Dispose();
            await provisioner.DisposeAsync();
        }

        private async Task<bool> StepAsync(int connection, ChargingSession session, DateTime deadline, CancellationToken cancellationToken)
        {
            var started = Stopwatch.GetTimestamp();
            var step = session.Step;
            Kind kind;
            if (step == 0)
            {
                kind = Kind.Authorize;
                await _driver.AuthorizeAsync(connection, session, deadline, cancellationToken);
            }
            else if (step == 1)
            {
                kind = Kind.PutSession;
                await _driver.StartAsync(connection, session, deadline, cancellationToken);
            }
            else if (step <= mix.SessionUpdates + 2)
            {
                var complete = step == mix.SessionUpdates + 2;
                kind = complete ? Kind.Complete : Kind.PatchSession;
                await _driver.UpdateAsync(connection, session, step - 1, complete, deadline, cancellationToken);
            }
            else
            {
                kind = Kind.Cdr;
                await SubmitCdrAsync(connection, session, deadline, cancellationToken);
            }

            session.Step = step + 1;
            Count(kind, started);
            return kind == Kind.Cdr;
        }

        private async Task SubmitCdrAsync(int connection, ChargingSession session, DateTime deadline, CancellationToken cancellationToken)
        {
            var request = new SubmitCdrBatchRequest { Cdrs = { _cdrBuilders[session.Emsp.PartyId].Cdr(session.Id, session.Id, session.AuthorizationReference) } };
            var response = await _cdrs[connection].SubmitCdrBatchAsync(request, _driver.CpoHeaders(session.Cpo), deadline, cancellationToken);
            foreach (var ack in response.Acks)
            {
                if (ack.Status != CdrAckStatus.Accepted)
                {
                    throw new RpcException(new Status(StatusCode.Aborted, $"CDR {ack.CdrId} was {ack.Status}: {string.Join("; ", ack.Reasons.Select(r => r.Field + " " + r.Description))}"));
                }
            }
        }

        private void Count(Kind kind, long started)
        {
            Interlocked.Increment(ref _calls[(int)kind]);
            Interlocked.Add(ref _ticks[(int)kind], Stopwatch.GetTimestamp() - started);
        }
    }
}
