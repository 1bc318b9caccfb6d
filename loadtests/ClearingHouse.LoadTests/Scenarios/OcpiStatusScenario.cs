using System.Globalization;
using System.Text.Json.Nodes;
using ClearingHouse.Contracts.V1;
using ClearingHouse.LoadTests.Cli;
using ClearingHouse.LoadTests.Hub;
using ClearingHouse.LoadTests.Scenarios.Shared;

namespace ClearingHouse.LoadTests.Scenarios;

/// <summary>
/// Loads status routing from the OCPI edge: CPOs <c>PATCH</c> one EVSE's status each arrival over OCPI 2.2.1 (the hub's
/// locations receiver interface), EMSPs receive it on gRPC <c>SubscribeStatus</c>, and the end-to-end delay is measured
/// as status-storm measures it. Set-up registers <c>OCPI_STATUS_CPOS</c> CPOs (default 1) and performs each one's OCPI
/// credentials handshake against the tool's own partner platform (<see cref="OcpiPlatform"/>), PUTs
/// <c>OCPI_STATUS_LOCATIONS</c> locations (default 100) of <c>OCPI_STATUS_EVSES</c> EVSEs (default 10) per CPO over
/// OCPI, and subscribes <c>OCPI_STATUS_SUBSCRIBERS</c> EMSPs (default 1, each agreed with every CPO). Arrival k patches
/// EVSE k of the CPOs' EVSEs in turn with <c>last_updated</c> = its send time (milliseconds, the client's clock), so an
/// EVSE is patched again only after every other one was; an answer other than HTTP 200 with status_code 1000 is an
/// error. The hub must run with <c>--Ocpi:AllowInsecurePartnerUrls true</c> (the platform is plain http on 127.0.0.1).
/// </summary>
public sealed class OcpiStatusScenario : IScenario
{
    private static readonly string[] Cycle = ["CHARGING", "AVAILABLE", "BLOCKED", "RESERVED"];

    public string Name => "ocpi-status";

    public string Description =>
        "OCPI 2.2.1 PATCH of one EVSE status per arrival (CPOs registered over OCPI, --connections HTTP/1.1 connections) to gRPC SubscribeStatus subscribers; " +
        "env OCPI_STATUS_CPOS / _LOCATIONS / _EVSES / _SUBSCRIBERS";

    public bool UsesHub => true;

    public async Task<IScenarioRun> StartAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var cpoCount = ScenarioEnv.Get("OCPI_STATUS_CPOS", 1);
        var locations = ScenarioEnv.Get("OCPI_STATUS_LOCATIONS", 100);
        var evses = ScenarioEnv.Get("OCPI_STATUS_EVSES", 10);
        var subscribers = ScenarioEnv.Get("OCPI_STATUS_SUBSCRIBERS", 1);
        if (cpoCount < 1 || locations < 1 || evses is < 1 or > 100 || subscribers < 0)
        {
            throw new LoadTestSetupException("OCPI_STATUS_CPOS and _LOCATIONS must be >= 1, _EVSES 1..100, _SUBSCRIBERS >= 0");
        }

        return await OcpiScenarioPartners.SetUpAsync(context, Name, async partners =>
        {
            var cpos = new List<OcpiParty>();
            for (var i = 0; i < cpoCount; i++)
            {
                cpos.Add(await partners.RegisterCpoAsync(cancellationToken));
            }

            var emsps = new List<TestCredential>();
            for (var i = 0; i < subscribers; i++)
            {
                var emsp = await partners.Provisioner.ProvisionPartyAsync(PartyRole.Emsp, cancellationToken);
                emsps.Add(emsp);
                foreach (var cpo in cpos)
                {
                    await partners.Provisioner.SetAgreementAsync(cpo.Party, emsp.Party, cancellationToken);
                }
            }

            var run = new Run(partners, cpos, locations, evses, context.Options, context.Log);
            try
            {
                await run.PutLocationsAsync(cancellationToken);
                await run.Delays.SubscribeAsync(emsps, cancellationToken);
                for (var i = 0; i < context.Options.Connections; i++)
                {
                    await run.ProbeAsync(i, cancellationToken);
                }
            }
            catch
            {
                // The partners are taken down by SetUpAsync; the subscribers are the run's own.
                await run.Delays.DisposeAsync();
                throw;
            }

            return run;
        }, cancellationToken);
    }

    private sealed class Run(OcpiScenarioPartners partners, List<OcpiParty> cpos, int locations, int evses, RunOptions options, TextWriter log)
        : IScenarioRun, IScenarioFigures
    {
        private readonly HttpClient[] _clients = partners.Clients;
        private readonly string[] _receivers = [.. cpos.Select(c => c.Endpoint("locations", "RECEIVER"))];
        private readonly Lock _countsLock = new();
        private readonly Dictionary<long, long> _sentPerSecond = [];
        private long _next = -1;
        private long _applied;

        public StatusDelays Delays { get; } = new(options.Hub, log);

        public string? P99TargetFigure => StatusDelays.P99Figure;

        public string Target =>
            $"OCPI PATCH EVSE status at {_receivers[0]}: {cpos.Count} CPO(s) x {locations} locations x {evses} EVSEs, " +
            $"{_clients.Length} HTTP/1.1 connection(s); {Delays.Count} gRPC subscriber(s) at {options.Hub}";

        private static string LocationId(int i) => "O" + i.ToString("D6", CultureInfo.InvariantCulture);

        private static string EvseUid(int i) => "E" + i.ToString(CultureInfo.InvariantCulture);

        public async Task PutLocationsAsync(CancellationToken cancellationToken)
        {
            var started = DateTime.UtcNow;
            var at = Time(started.AddMinutes(-10));
            foreach (var cpo in cpos)
            {
                var next = -1;
                var receiver = cpo.Endpoint("locations", "RECEIVER");
                async Task PutAllAsync(HttpClient client)
                {
                    int i;
                    while ((i = Interlocked.Increment(ref next)) < locations)
                    {
                        var id = LocationId(i);
                        var evseList = new JsonArray();
                        for (var e = 0; e < evses; e++)
                        {
                            evseList.Add(new JsonObject
                            {
                                ["uid"] = EvseUid(e),
                                ["evse_id"] = $"NL*{cpo.Party.Ref.PartyId}*E{i}x{e}",
                                ["status"] = "AVAILABLE",
                                ["connectors"] = new JsonArray(new JsonObject
                                {
                                    ["id"] = "1", ["standard"] = "IEC_62196_T2", ["format"] = "SOCKET", ["power_type"] = "AC_3_PHASE",
                                    ["max_voltage"] = 230, ["max_amperage"] = 32, ["last_updated"] = at,
                                }),
                                ["last_updated"] = at,
                            });
                        }

                        var location = new JsonObject
                        {
                            ["country_code"] = cpo.Party.Ref.CountryCode, ["party_id"] = cpo.Party.Ref.PartyId, ["id"] = id, ["publish"] = true,
                            ["name"] = $"Ocpi storm {i}", ["address"] = $"Loadstraat {i}", ["city"] = "Amsterdam", ["postal_code"] = "1011AB",
                            ["country"] = "NLD", ["coordinates"] = new JsonObject { ["latitude"] = "52.370216", ["longitude"] = "4.895168" },
                            ["time_zone"] = "Europe/Amsterdam", ["evses"] = evseList, ["last_updated"] = at,
                        };
                        try
                        {
                            await OcpiHttp.SendAsync(client, HttpMethod.Put, $"{receiver}/{cpo.Party.Ref.CountryCode}/{cpo.Party.Ref.PartyId}/{id}",
                                cpo.Authorization, location, $"PUT location {id} as {cpo.Party}", DateTime.UtcNow.AddSeconds(30), cancellationToken);
                        }
                        catch (Exception e) when (e is OcpiCallException or HttpRequestException or TimeoutException)
                        {
                            throw new LoadTestSetupException($"{e.Message} (at {receiver})", e);
                        }
                    }
                }

                // 4 calls in flight per connection: PUT is durable before it answers.
                await Task.WhenAll(Enumerable.Range(0, _clients.Length * 4).Select(k => PutAllAsync(_clients[k % _clients.Length])));
            }

            var seconds = (DateTime.UtcNow - started).TotalSeconds;
            var total = (long)cpos.Count * locations;
            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"put {total} locations ({total * evses} EVSEs) over OCPI in {seconds:0.0} s ({total / seconds:0} locations/s)"));
        }

        /// <summary>One PATCH on a connection before the run: a failure here is a set-up failure with the hub's own words.</summary>
        public async Task ProbeAsync(int connection, CancellationToken cancellationToken)
        {
            try
            {
                await ExecuteAsync(connection, DateTime.UtcNow.AddSeconds(30), cancellationToken);
            }
            catch (Exception e) when (e is OcpiCallException or HttpRequestException or TimeoutException)
            {
                throw new LoadTestSetupException($"the first OCPI PATCH failed: {e.Message}", e);
            }
        }

        public async Task ExecuteAsync(int connection, DateTime deadline, CancellationToken cancellationToken)
        {
            Delays.ThrowIfFailed();
            var k = Interlocked.Increment(ref _next);
            var cpo = (int)(k % cpos.Count);
            var slot = k / cpos.Count % ((long)locations * evses);
            var party = cpos[cpo];
            var sent = DateTime.UtcNow;
            // Milliseconds: the hub keeps what OCPI's date-time carries; the subscriber's delay is measured from it.
            var ticks = sent.Ticks - (sent.Ticks % TimeSpan.TicksPerMillisecond);
            var body = new JsonObject { ["status"] = Cycle[(int)(k / cpos.Count / ((long)locations * evses) % Cycle.Length)], ["last_updated"] = Time(new DateTime(ticks, DateTimeKind.Utc)) };
            await OcpiHttp.SendAsync(_clients[connection], HttpMethod.Patch,
                $"{_receivers[cpo]}/{party.Party.Ref.CountryCode}/{party.Party.Ref.PartyId}/{LocationId((int)(slot / evses))}/{EvseUid((int)(slot % evses))}",
                party.Authorization, body, "PATCH EVSE status", deadline, cancellationToken);
            Interlocked.Increment(ref _applied);
            lock (_countsLock)
            {
                var second = ticks / TimeSpan.TicksPerSecond;
                _sentPerSecond[second] = _sentPerSecond.GetValueOrDefault(second) + 1;
            }
        }

        public async Task<IReadOnlyDictionary<string, double>> CollectFiguresAsync(DateTime measuredFromUtc, DateTime measuredToUtc, CancellationToken cancellationToken)
        {
            var (first, last, seconds) = StatusDelays.Window(measuredFromUtc, measuredToUtc);
            long sent;
            lock (_countsLock)
            {
                sent = _sentPerSecond.Where(p => p.Key >= first && p.Key <= last).Sum(p => p.Value);
            }

            await Delays.WaitUntilQuietAsync(Interlocked.Read(ref _applied));
            var figures = new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["window seconds (whole seconds of send time)"] = seconds,
                ["updates sent/s (answered 1000)"] = Math.Round((double)sent / seconds, 1),
                ["updates answered 1000 (whole run)"] = Interlocked.Read(ref _applied),
            };
            await Delays.AddFiguresAsync(figures, sent, first, last, seconds);
            return figures;
        }

        public async ValueTask DisposeAsync()
        {
            await Delays.DisposeAsync();
            await partners.DisposeAsync();
        }

        private static string Time(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
    }
}
