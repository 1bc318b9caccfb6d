using ClearingHouse.Contracts.V1;
using ClearingHouse.LoadTests.Hub;

namespace ClearingHouse.LoadTests.Scenarios.Shared;

/// <summary>
/// What every OCPI scenario sets up and takes down the same way: the run's test parties (<see cref="TestPartyProvisioner"/>),
/// the tool's own partner platform (<see cref="OcpiPlatform"/>) that registers CPOs over OCPI, and one HTTP/1.1 client per
/// connection. Disposing closes the clients, then unregisters over OCPI (an archived party's OCPI calls are refused), then
/// archives the parties.
/// </summary>
public sealed class OcpiScenarioPartners : IAsyncDisposable
{
    private readonly string _operatorCredential;

    private OcpiScenarioPartners(TestPartyProvisioner provisioner, OcpiPlatform platform, string operatorCredential, int connections)
    {
        Provisioner = provisioner;
        Platform = platform;
        _operatorCredential = operatorCredential;
        Clients = [.. Enumerable.Range(0, connections).Select(_ => OcpiHttp.CreateClient())];
    }

    /// <summary>The run's test parties (gRPC credentials, agreements).</summary>
    public TestPartyProvisioner Provisioner { get; }

    /// <summary>The partner platform the OCPI parties registered through.</summary>
    public OcpiPlatform Platform { get; }

    /// <summary>One client per <c>--connections</c>, indexed by the runner's connection number.</summary>
    public HttpClient[] Clients { get; }

    /// <summary>
    /// Starts the platform, then runs <paramref name="setUp"/> (registrations, uploads, probes) to build the scenario's run;
    /// when anything fails, whatever was set up is taken down before the failure goes on.
    /// </summary>
    public static async Task<TRun> SetUpAsync<TRun>(ScenarioContext context, string runName, Func<OcpiScenarioPartners, Task<TRun>> setUp, CancellationToken cancellationToken)
        where TRun : IScenarioRun
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(setUp);
        var hub = context.Options.Hub;
        var operatorCredential = context.RequireOperatorCredential();
        var provisioner = new TestPartyProvisioner(hub, operatorCredential, runName, context.Log);
        OcpiPlatform platform;
        try
        {
            platform = await OcpiPlatform.StartAsync(hub, context.Log, cancellationToken);
        }
        catch
        {
            await provisioner.DisposeAsync();
            throw;
        }

        var partners = new OcpiScenarioPartners(provisioner, platform, operatorCredential, context.Options.Connections);
        try
        {
            return await setUp(partners);
        }
        catch
        {
            await partners.DisposeAsync();
            throw;
        }
    }

    /// <summary>Registers a new CPO and performs its OCPI credentials handshake through the platform.</summary>
    public async Task<OcpiParty> RegisterCpoAsync(CancellationToken cancellationToken) =>
        await Platform.RegisterAsync(await Provisioner.RegisterPartyAsync(PartyRole.Cpo, cancellationToken), _operatorCredential, cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var client in Clients)
        {
            client.Dispose();
        }

        // Unregister over OCPI first: an archived party's OCPI calls are refused.
        await Platform.DisposeAsync();
        await Provisioner.DisposeAsync();
    }
}
