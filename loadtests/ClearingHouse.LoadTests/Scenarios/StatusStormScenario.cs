using System.Globalization;
using ClearingHouse.Contracts.V1;
using ClearingHouse.LoadTests.Cli;
using ClearingHouse.LoadTests.Hub;
using ClearingHouse.LoadTests.Scenarios.Shared;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using HdrHistogram;

namespace ClearingHouse.LoadTests.Scenarios;

/// <summary>
/// Loads status routing: <c>LocationService.StreamStatusUpdates</c> from CPOs to EMSP subscribers.
/// Set-up registers <c>STATUS_STORM_CPOS</c> CPOs (default 1) and <c>STATUS_STORM_SUBSCRIBERS</c>
/// EMSPs (default 1) with agreements between every pair, puts <c>STATUS_STORM_LOCATIONS</c> locations
/// per CPO (default 1000) of <c>STATUS_STORM_EVSES</c> EVSEs (default 10) through PutLocation, opens
/// one SubscribeStatus per EMSP (on <c>STATUS_STORM_SUBSCRIBER_HUB</c>, default --hub: point it at
/// another silo to measure cross-silo delivery) and --connections x --streams status streams, each
/// owned by one CPO and a disjoint share of its locations. One arrival is one stream message of
/// --batch updates; EVSEs are taken in order (<c>STATUS_STORM_PICK=sequential</c>, default: --batch
/// consecutive EVSEs share locations, as in a CPO's full resend) or at random (<c>random</c>: about
/// one location per update, the worst case for grouping by location).
/// Each update's <c>last_updated</c> is its send time (UTC, the client's clock); a subscriber's delay
/// is its receive time minus that, on the same machine's clock.
/// </summary>
public sealed class StatusStormScenario : IScenario
{
    public string Name => "status-storm";

    public string Description =>
        "LocationService.StreamStatusUpdates (--batch updates per message, --connections x --streams streams) to SubscribeStatus subscribers; " +
        "env STATUS_STORM_CPOS / _LOCATIONS / _EVSES / _SUBSCRIBERS / _PICK / _SUBSCRIBER_HUB";

    public bool UsesHub => true;

    public async Task<IScenarioRun> StartAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var hub = options.Hub;
        var settings = new Settings(
            Env("STATUS_STORM_CPOS", 1),
            Env("STATUS_STORM_LOCATIONS", 1000),
            Env("STATUS_STORM_EVSES", 10),
            Env("STATUS_STORM_SUBSCRIBERS", 1),
            (Environment.GetEnvironmentVariable("STATUS_STORM_PICK") ?? "sequential").ToLowerInvariant(),
            Environment.GetEnvironmentVariable("STATUS_STORM_SUBSCRIBER_HUB") is { Length: > 0 } other
                ? Uri.TryCreate(other, UriKind.Absolute, out var u) ? u : throw new LoadTestSetupException($"STATUS_STORM_SUBSCRIBER_HUB '{other}' is not a URL")
                : hub,
            options.Batch);
        if (settings.Cpos < 1 || settings.Locations < 1 || settings.Evses is < 1 or > 100 || settings.Subscribers < 0 || settings.Pick is not ("sequential" or "random"))
        {
            throw new LoadTestSetupException("STATUS_STORM_CPOS and _LOCATIONS must be >= 1, _EVSES 1..100, _SUBSCRIBERS >= 0, _PICK sequential or random");
        }

        var streams = options.Connections * options.Streams;
        if (streams < settings.Cpos)
        {
            throw new LoadTestSetupException($"{settings.Cpos} CPOs need at least as many streams (--connections x --streams = {streams})");
        }

        var provisioner = new TestPartyProvisioner(hub, context.RequireOperatorCredential(), Name, context.Log);
        Run? run = null;
        try
        {
            var cpos = new List<TestCredential>();
            for (var i = 0; i < settings.Cpos; i++)
            {
                cpos.Add(await provisioner.ProvisionPartyAsync(PartyRole.Cpo, cancellationToken));
            }

            var emsps = new List<TestCredential>();
            for (var i = 0; i < settings.Subscribers; i++)
            {
                var emsp = await provisioner.ProvisionPartyAsync(PartyRole.Emsp, cancellationToken);
                emsps.Add(emsp);
                foreach (var cpo in cpos)
                {
                    await provisioner.SetAgreementAsync(cpo.Party, emsp.Party, cancellationToken);
                }
            }

            run = new Run(provisioner, context.OpenConnections(hub), settings, options, cpos, context.Log);
            await run.PutLocationsAsync(cancellationToken);
            await run.SubscribeAsync(emsps, cancellationToken);
            run.OpenStreams();
            for (var i = 0; i < options.Connections; i++)
            {
                try
                {
                    await run.ExecuteAsync(i, DateTime.UtcNow.AddSeconds(10), cancellationToken);
                }
                catch (RpcException e)
                {
                    throw HubErrors.Explain(e, hub, "LocationService.StreamStatusUpdates with the test CPO's credential");
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
                await provisioner.DisposeAsync();
            }

            throw;
        }
    }

    private static T Env<T>(string name, T fallback) where T : IParsable<T> =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } text
            ? T.TryParse(text, CultureInfo.InvariantCulture, out var value) ? value : throw new LoadTestSetupException($"{name}='{text}' is not a number")
            : fallback;

    private sealed record Settings(int Cpos, int Locations, int Evses, int Subscribers, string Pick, Uri SubscriberHub, int Batch);

    private sealed class Run(TestPartyProvisioner provisioner, ConnectionSet connections, Settings settings, RunOptions options, List<TestCredential> cpos, TextWriter log)
        : IScenarioRun, IScenarioFigures
    {
        /// <summary>Issue 3's target is the end-to-end delay at half of max: --max-p99 gates it.</summary>
        public string? P99TargetFigure => StatusDelays.P99Figure;

        private readonly CancellationTokenSource _stop = new();
        private readonly StatusDelays _delays = new(settings.SubscriberHub, log);
        private StormStream[][] _streams = [];
        private long _next;

        public string Target =>
            $"LocationService.StreamStatusUpdates: {settings.Cpos} CPO(s) x {settings.Locations} locations x {settings.Evses} EVSEs, {settings.Batch} updates/message ({settings.Pick}), " +
            $"{connections.Count * options.Streams} streams at {connections.Address}; {settings.Subscribers} subscriber(s) at {settings.SubscriberHub}";

        public static string LocationId(int i) => "S" + i.ToString("D6", CultureInfo.InvariantCulture);

        public static string EvseUid(int i) => "E" + i.ToString(CultureInfo.InvariantCulture);

        public async Task PutLocationsAsync(CancellationToken cancellationToken)
        {
            var clients = connections.CreateClients(c => new LocationService.LocationServiceClient(c));
            var started = DateTime.UtcNow;
            var at = Timestamp.FromDateTime(started.AddMinutes(-10));
            foreach (var cpo in cpos)
            {
                var headers = Bearer.Headers(cpo.Secret);
                var next = -1;
                async Task PutAllAsync(LocationService.LocationServiceClient client)
                {
                    int i;
                    while ((i = Interlocked.Increment(ref next)) < settings.Locations)
                    {
                        var location = new Location
                        {
                            Cpo = cpo.Party.Ref,
                            Id = LocationId(i),
                            Publish = true,
                            Name = $"Storm {i}",
                            Address = $"Loadstraat {i}",
                            City = "Amsterdam",
                            PostalCode = "1011AB",
                            Country = "NLD",
                            Coordinates = new GeoLocation { Latitude = "52.370216", Longitude = "4.895168" },
                            TimeZone = "Europe/Amsterdam",
                            LastUpdated = at,
                        };
                        for (var e = 0; e < settings.Evses; e++)
                        {
                            var evse = new Evse { Uid = EvseUid(e), EvseId = $"NL*{cpo.Party.Ref.PartyId}*E{i}x{e}", Status = Contracts.V1.EvseStatus.Available, LastUpdated = at };
                            evse.Connectors.Add(new Connector
                            {
                                Id = "1",
                                Standard = ConnectorType.Iec62196T2,
                                Format = ConnectorFormat.Socket,
                                PowerType = PowerType.Ac3Phase,
                                MaxVoltage = 230,
                                MaxAmperage = 32,
                                MaxElectricPower = 22000,
                                LastUpdated = at,
                            });
                            location.Evses.Add(evse);
                        }

                        try
                        {
                            await client.PutLocationAsync(new PutLocationRequest { Location = location }, headers, DateTime.UtcNow.AddSeconds(30), cancellationToken);
                        }
                        catch (RpcException e)
                        {
                            throw HubErrors.Explain(e, connections.Address, $"LocationService.PutLocation {LocationId(i)} as {cpo.Party}");
                        }

                        if ((i + 1) % 20_000 == 0)
                        {
                            await log.WriteLineAsync($"put {i + 1} locations of {cpo.Party}");
                        }
                    }
                }

                // 16 calls in flight per connection: PutLocation is durable before it answers.
                await Task.WhenAll(Enumerable.Range(0, connections.Count * 16).Select(k => PutAllAsync(clients[k % clients.Length])));
            }

            var seconds = (DateTime.UtcNow - started).TotalSeconds;
            var total = (long)settings.Cpos * settings.Locations;
            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"put {total} locations ({total * settings.Evses} EVSEs) in {seconds:0.0} s ({total / seconds:0} locations/s)"));
        }

        public Task SubscribeAsync(List<TestCredential> emsps, CancellationToken cancellationToken) => _delays.SubscribeAsync(emsps, cancellationToken);

        public void OpenStreams()
        {
            var clients = connections.CreateClients(c => new LocationService.LocationServiceClient(c));
            var total = connections.Count * options.Streams;
            _streams = new StormStream[connections.Count][];
            for (var c = 0; c < connections.Count; c++)
            {
                _streams[c] = new StormStream[options.Streams];
                for (var s = 0; s < options.Streams; s++)
                {
                    // Stream k belongs to CPO k % N and to the share of that CPO's locations no other stream writes.
                    var k = (c * options.Streams) + s;
                    var cpo = k % settings.Cpos;
                    var streamsOfCpo = (total - cpo + settings.Cpos - 1) / settings.Cpos;
                    var share = Enumerable.Range(0, settings.Locations).Where(l => l % streamsOfCpo == k / settings.Cpos).Select(LocationId).ToArray();
                    if (share.Length == 0)
                    {
                        throw new LoadTestSetupException($"{settings.Locations} locations per CPO cannot be shared among {streamsOfCpo} streams");
                    }

                    var call = clients[c].StreamStatusUpdates(Bearer.Headers(cpos[cpo].Secret), cancellationToken: _stop.Token);
                    _streams[c][s] = new StormStream(call, share, settings);
                }
            }
        }

        public async Task ExecuteAsync(int connection, DateTime deadline, CancellationToken cancellationToken)
        {
            _delays.ThrowIfFailed();

            var streams = _streams[connection];
            var stream = streams[(int)((ulong)Interlocked.Increment(ref _next) % (ulong)streams.Length)];
            await stream.SendAsync(cancellationToken);
        }

        public async Task<IReadOnlyDictionary<string, double>> CollectFiguresAsync(DateTime measuredFromUtc, DateTime measuredToUtc, CancellationToken cancellationToken)
        {
            var (first, last, seconds) = StatusDelays.Window(measuredFromUtc, measuredToUtc);
            var sent = _streams.SelectMany(s => s).Sum(s => s.SentIn(first, last));
            await _delays.WaitUntilQuietAsync();

            long accepted = 0, stale = 0, rejected = 0, streamErrors = 0;
            foreach (var stream in _streams.SelectMany(s => s))
            {
                var summary = await stream.CompleteAsync();
                if (summary is null)
                {
                    streamErrors++;
                    continue;
                }

                (accepted, stale, rejected) = (accepted + summary.Accepted, stale + summary.Stale, rejected + summary.Rejected);
            }

            var figures = new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["window seconds (whole seconds of send time)"] = seconds,
                ["updates sent/s"] = Math.Round((double)sent / seconds, 1),
                ["accepted updates (whole run)"] = accepted,
                ["stale updates (whole run)"] = stale,
                ["rejected updates (whole run)"] = rejected,
                ["status streams failed"] = streamErrors,
            };
            await _delays.AddFiguresAsync(figures, sent, first, last, seconds);
            return figures;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var stream in _streams.SelectMany(s => s))
            {
                await stream.CompleteAsync();
            }

            await _stop.CancelAsync();
            await _delays.DisposeAsync();

            foreach (var stream in _streams.SelectMany(s => s))
            {
                stream.Dispose();
            }

            _stop.Dispose();
            connections.Dispose();
            await provisioner.DisposeAsync();
        }
    }

    /// <summary>
    /// One client stream of one CPO. Writes are serialised (a gRPC stream takes one write at a
    /// time); arrivals wait for the stream, which the engine counts as latency from the intended time.
    /// </summary>
    private sealed class StormStream(AsyncClientStreamingCall<StreamStatusUpdatesRequest, StreamStatusUpdatesResponse> call, string[] locations, Settings settings) : IDisposable
    {
        private static readonly Contracts.V1.EvseStatus[] Cycle = [Contracts.V1.EvseStatus.Charging, Contracts.V1.EvseStatus.Available, Contracts.V1.EvseStatus.Blocked, Contracts.V1.EvseStatus.Reserved];
        private readonly SemaphoreSlim _gate = new(1, 1);
        private readonly Lock _countsLock = new();
        private readonly Dictionary<long, long> _sentPerSecond = [];
        private readonly Random _random = new();
        private long _cursor;
        private long _lastTicks;
        private bool _completed;
        private StreamStatusUpdatesResponse? _summary;

        public async Task SendAsync(CancellationToken cancellationToken)
        {
            await _gate.WaitAsync(cancellationToken);
            try
            {
                if (_completed)
                {
                    throw new RpcException(new Status(StatusCode.Cancelled, "the run is over"));
                }

                // Send time as last_updated, strictly increasing per stream (and so per EVSE: no two
                // streams share an EVSE), one tick apart within a message.
                var ticks = Math.Max(DateTime.UtcNow.Ticks, _lastTicks + 1);
                _lastTicks = ticks + settings.Batch - 1;
                var message = new StreamStatusUpdatesRequest();
                var slots = (long)locations.Length * settings.Evses;
                for (var i = 0; i < settings.Batch; i++)
                {
                    var slot = settings.Pick == "random" ? _random.NextInt64(slots) : _cursor++ % slots;
                    message.Updates.Add(new StatusUpdate
                    {
                        LocationId = locations[slot / settings.Evses],
                        EvseUid = StatusStormScenario.Run.EvseUid((int)(slot % settings.Evses)),
                        Status = Cycle[(int)((ticks + i) & 3)],
                        LastUpdated = ToTimestamp(ticks + i),
                    });
                }

                // No cancellation token: a write cut half-way would break the stream for later arrivals.
                await call.RequestStream.WriteAsync(message, CancellationToken.None);
                lock (_countsLock)
                {
                    var second = ticks / TimeSpan.TicksPerSecond;
                    _sentPerSecond[second] = _sentPerSecond.GetValueOrDefault(second) + settings.Batch;
                }
            }
            finally
            {
                _gate.Release();
            }
        }

        public long SentIn(long firstSecond, long lastSecond)
        {
            lock (_countsLock)
            {
                return _sentPerSecond.Where(p => p.Key >= firstSecond && p.Key <= lastSecond).Sum(p => p.Value);
            }
        }

        /// <summary>Ends the stream (once) and returns the hub's summary, or null when the stream failed.</summary>
        public async Task<StreamStatusUpdatesResponse?> CompleteAsync()
        {
            if (!await _gate.WaitAsync(TimeSpan.FromSeconds(5)))
            {
                return null;
            }

            try
            {
                if (!_completed)
                {
                    _completed = true;
                    await call.RequestStream.CompleteAsync();
                    _summary = await call.ResponseAsync.WaitAsync(TimeSpan.FromSeconds(10));
                }

                return _summary;
            }
            catch (Exception e) when (e is RpcException or TimeoutException or InvalidOperationException)
            {
                return null;
            }
            finally
            {
                _gate.Release();
            }
        }

        public void Dispose()
        {
            call.Dispose();
            _gate.Dispose();
        }

        private static Timestamp ToTimestamp(long ticks)
        {
            var sinceEpoch = ticks - DateTime.UnixEpoch.Ticks;
            return new Timestamp { Seconds = sinceEpoch / TimeSpan.TicksPerSecond, Nanos = (int)(sinceEpoch % TimeSpan.TicksPerSecond * 100) };
        }
    }
}
