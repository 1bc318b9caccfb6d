using ClearingHouse.Contracts.V1;
using ClearingHouse.LoadTests.Cli;
using ClearingHouse.LoadTests.Hub;
using ClearingHouse.LoadTests.Scenarios.Shared;
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
        var cpos = ScenarioEnv.Get("SESSION_CPOS", 4);
        var emsps = ScenarioEnv.Get("SESSION_EMSPS", 2);
        var updates = ScenarioEnv.Get("SESSION_UPDATES", 3);
        if (cpos is < 1 or > 50 || emsps is < 1 or > 50 || updates is < 0 or > 100)
        {
            throw new LoadTestSetupException("SESSION_CPOS and SESSION_EMSPS must be within 1..50, SESSION_UPDATES within 0..100");
        }

        var provisioner = new TestPartyProvisioner(hub, context.RequireOperatorCredential(), Name, context.Log);
        ConnectionSet? connections = null;
        Run? run = null;
        try
        {
            connections = context.OpenConnections(hub);
            var network = await RoamingNetwork.ProvisionAsync(provisioner, cpos, emsps, new TokenService.TokenServiceClient(connections[0]), cancellationToken);
            // Sessions must run at a location the CPO published.
            var locations = new LocationService.LocationServiceClient(connections[0]);
            foreach (var cpo in network.Cpos)
            {
                await locations.PutLocationAsync(new PutLocationRequest { Location = StationTemplates.Location(1) }, Bearer.Headers(cpo.Secret), DateTime.UtcNow.AddSeconds(10), cancellationToken);
            }

            run = new Run(provisioner, connections, network, updates, context.Log);
            await run.Watchers.StartAsync(cancellationToken);
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

    private sealed class Run(TestPartyProvisioner provisioner, ConnectionSet connections, RoamingNetwork network, int updates, TextWriter log) : IScenarioRun
    {
        private readonly ChargingSessionDriver _driver = new(connections, network);
        private long _writes;

        public SessionWatchers Watchers { get; } = new(connections, network, log);

        public string Target => $"session lifecycle ({updates} updates) by {network.Cpos.Count} CPOs for {network.Emsps.Count} watching EMSPs at {connections.Address}";

        public async Task ExecuteAsync(int connection, DateTime deadline, CancellationToken cancellationToken)
        {
            var session = _driver.New(connection % network.Cpos.Count, StationTemplates.LocationId, StationTemplates.EvseUid(1));
            await _driver.AuthorizeAsync(connection, session, deadline, cancellationToken);
            await _driver.StartAsync(connection, session, deadline, cancellationToken);
            for (var u = 1; u <= updates + 1; u++)
            {
                await _driver.UpdateAsync(connection, session, u, complete: u == updates + 1, deadline, cancellationToken);
            }

            Interlocked.Add(ref _writes, updates + 2);
        }

        public async ValueTask DisposeAsync()
        {
            await Watchers.ReportAsync(Interlocked.Read(ref _writes), "writes of completed lifecycles");
            await Watchers.DisposeAsync();
            connections.Dispose();
            await provisioner.DisposeAsync();
        }
    }
}
