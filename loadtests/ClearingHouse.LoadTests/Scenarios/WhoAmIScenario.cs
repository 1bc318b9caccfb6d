using ClearingHouse.Contracts.V1;
using ClearingHouse.LoadTests.Cli;
using ClearingHouse.LoadTests.Hub;
using Grpc.Core;

namespace ClearingHouse.LoadTests.Scenarios;

/// <summary>
/// Loads <c>IdentityService.WhoAmI</c> with a test party's credential: the hub's authentication path
/// (credential lookup, hash check, party state) and nothing else. Provisions its own CPO and
/// credential and cleans them up.
/// </summary>
public sealed class WhoAmIScenario : IScenario
{
    public string Name => "whoami";

    public string Description => "IdentityService.WhoAmI with a test party's credential: the hub's authentication path";

    public bool UsesHub => true;

    public async Task<IScenarioRun> StartAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        var hub = context.Options.Hub;
        var provisioner = new TestPartyProvisioner(hub, context.RequireOperatorCredential(), Name, context.Log);
        ConnectionSet? connections = null;
        try
        {
            var credential = await provisioner.ProvisionPartyAsync(PartyRole.Cpo, cancellationToken);
            connections = context.OpenConnections(hub);
            var run = new Run(provisioner, connections, credential);
            for (var i = 0; i < connections.Count; i++)
            {
                try
                {
                    await run.ExecuteAsync(i, DateTime.UtcNow.AddSeconds(10), cancellationToken);
                }
                catch (RpcException e)
                {
                    throw HubErrors.Explain(e, hub, "IdentityService.WhoAmI with the test party's new credential");
                }
            }

            return run;
        }
        catch
        {
            connections?.Dispose();
            await provisioner.DisposeAsync();
            throw;
        }
    }

    private sealed class Run(TestPartyProvisioner provisioner, ConnectionSet connections, TestCredential credential) : IScenarioRun
    {
        private static readonly WhoAmIRequest Request = new();
        private readonly Metadata _headers = Bearer.Headers(credential.Secret);
        private readonly IdentityService.IdentityServiceClient[] _clients =
            connections.CreateClients(c => new IdentityService.IdentityServiceClient(c));

        public string Target => $"IdentityService.WhoAmI as {credential.Party} at {connections.Address}";

        public Task ExecuteAsync(int connection, DateTime deadline, CancellationToken cancellationToken) =>
            _clients[connection].WhoAmIAsync(Request, _headers, deadline, cancellationToken).ResponseAsync;

        public async ValueTask DisposeAsync()
        {
            connections.Dispose();
            await provisioner.DisposeAsync();
        }
    }
}
