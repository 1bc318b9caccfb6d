using ClearingHouse.Contracts.V1;
using ClearingHouse.LoadTests.Hub;
using ClearingHouse.LoadTests.Scenarios.Shared;
using Grpc.Core;

namespace ClearingHouse.LoadTests.Scenarios;

/// <summary>
/// A CPO floods the hub with CDRs: each request is one CdrService.SubmitCdrBatch of <see cref="BatchSize"/> new
/// CDRs (unique ids) priced against a stored tariff, so the latency measured is the per-batch acknowledgement
/// (validated, re-priced and durably stored). CDRs/s = requests/s x batch size. Batch size from the environment
/// variable CDR_FLOOD_BATCH (default 200). With CDR_FLOOD_LOCATIONS = N (default 0) the CPO first publishes N
/// locations (LOC-0..LOC-{N-1}, Europe/Amsterdam) and CDR k names LOC-(k mod N), so the hub prices each in its
/// location's time zone (the per-silo location time-zone lookup is on the measured path); 0 = CDRs without a location.
/// </summary>
public sealed class CdrFloodScenario : IScenario
{
    /// <summary>CDRs per request.</summary>
    public static int BatchSize { get; } = int.TryParse(Environment.GetEnvironmentVariable("CDR_FLOOD_BATCH"), out var n) && n is > 0 and <= 1000 ? n : 200;

    /// <summary>Locations the CDRs name, round robin (0: none).</summary>
    public static int Locations => int.TryParse(Environment.GetEnvironmentVariable("CDR_FLOOD_LOCATIONS"), out var n) && n is > 0 and <= 100_000 ? n : 0;

    /// <inheritdoc />
    public string Name => "cdr-flood";

    /// <inheritdoc />
    public string Description => $"CdrService.SubmitCdrBatch of {BatchSize} new CDRs per request (CDR_FLOOD_BATCH), validated, re-priced and stored" +
        (Locations > 0 ? $", at {Locations} published locations (CDR_FLOOD_LOCATIONS)" : "");

    /// <inheritdoc />
    public bool UsesHub => true;

    /// <inheritdoc />
    public async Task<IScenarioRun> StartAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var hub = context.Options.Hub;
        var provisioner = new TestPartyProvisioner(hub, context.RequireOperatorCredential(), Name, context.Log);
        ConnectionSet? connections = null;
        try
        {
            var pair = await provisioner.ProvisionRoamingPairAsync(cancellationToken);
            connections = context.OpenConnections(hub);
            var headers = Bearer.Headers(pair.Cpo.Secret);
            try
            {
                await new TariffService.TariffServiceClient(connections[0]).PutTariffAsync(new PutTariffRequest { OcpiJson = CdrTemplates.Tariff }, headers, DateTime.UtcNow.AddSeconds(10), cancellationToken);
            }
            catch (RpcException e)
            {
                throw HubErrors.Explain(e, hub, "TariffService.PutTariff as the test CPO");
            }

            var locations = Locations;
            if (locations > 0)
            {
                var client = new LocationService.LocationServiceClient(connections[0]);
                try
                {
                    for (var i = 0; i < locations; i++)
                    {
                        await client.PutLocationAsync(new PutLocationRequest { Location = StationTemplates.Location(1, LocationId(i)) }, headers, DateTime.UtcNow.AddSeconds(10), cancellationToken);
                    }
                }
                catch (RpcException e)
                {
                    throw HubErrors.Explain(e, hub, "LocationService.PutLocation as the test CPO");
                }

                await context.Log.WriteLineAsync($"published {locations} locations for the CDRs to name");
            }

            return new Run(provisioner, connections, pair, headers, locations);
        }
        catch
        {
            connections?.Dispose();
            await provisioner.DisposeAsync();
            throw;
        }
    }

    private static string LocationId(long i) => string.Concat("LOC-", i.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private sealed class Run(TestPartyProvisioner provisioner, ConnectionSet connections, RoamingPair pair, Metadata headers, int locations) : IScenarioRun
    {
        private readonly CdrService.CdrServiceClient[] _clients = connections.CreateClients(c => new CdrService.CdrServiceClient(c));
        private readonly string _prefix = Guid.NewGuid().ToString("N")[..8];
        private readonly CdrTemplates.Builder _cdrs = new(pair.Emsp.Party.Ref);

        private long _next;

        public string Target => $"CdrService.SubmitCdrBatch x{BatchSize} as {pair.Cpo.Party} at {connections.Address}";

        public async Task ExecuteAsync(int connection, DateTime deadline, CancellationToken cancellationToken)
        {
            var request = new SubmitCdrBatchRequest();
            var first = Interlocked.Add(ref _next, BatchSize) - BatchSize;
            for (var i = 0; i < BatchSize; i++)
            {
                var id = CdrTemplates.Builder.Id(_prefix, first + i);
                request.Cdrs.Add(locations > 0 ? _cdrs.CdrAt(id, LocationId((first + i) % locations)) : _cdrs.Cdr(id));
            }

            var response = await _clients[connection].SubmitCdrBatchAsync(request, headers, deadline, cancellationToken);
            foreach (var ack in response.Acks)
            {
                if (ack.Status != CdrAckStatus.Accepted)
                {
                    throw new InvalidOperationException($"CDR {ack.CdrId} was {ack.Status}: {string.Join("; ", ack.Reasons.Select(r => r.Field + " " + r.Description))}");
                }

                if (locations > 0 && ack.TimeZone != "Europe/Amsterdam")
                {
                    throw new InvalidOperationException($"CDR {ack.CdrId} was priced in '{ack.TimeZone}', not its location's zone: {ack.TimeZoneNote}");
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            connections.Dispose();
            await provisioner.DisposeAsync();
        }
    }
}
