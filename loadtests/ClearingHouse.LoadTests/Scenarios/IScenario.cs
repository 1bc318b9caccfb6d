using ClearingHouse.LoadTests.Cli;
using ClearingHouse.LoadTests.Hub;

namespace ClearingHouse.LoadTests.Scenarios;

/// <summary>
/// One load-test scenario: what one arrival does. The engine owns the clock, the rate, the
/// connections' count, the measurement and the reports; a scenario only sets up what it needs,
/// performs one operation per arrival, and cleans up. Add a scenario by implementing this and
/// listing it in <see cref="ScenarioRegistry"/>.
/// </summary>
public interface IScenario
{
    /// <summary>The sub-command name, for example "whoami".</summary>
    string Name { get; }

    /// <summary>One line for --help and the report.</summary>
    string Description { get; }

    /// <summary>False when the scenario loads something of its own (calibrate) and needs no hub or credential.</summary>
    bool UsesHub { get; }

    /// <summary>
    /// Sets up what the scenario needs (parties, credentials, connections) and checks that one call
    /// works on every connection. Throws <see cref="LoadTestSetupException"/> with a clear message
    /// when it cannot: the run then ends with exit code 2 before anything is measured.
    /// </summary>
    Task<IScenarioRun> StartAsync(ScenarioContext context, CancellationToken cancellationToken);
}

/// <summary>A scenario set up and ready to be loaded. Disposing it cleans up what it provisioned.</summary>
public interface IScenarioRun : IAsyncDisposable
{
    /// <summary>What is being loaded, for the report (for example "IdentityService.WhoAmI at http://127.0.0.1:5080").</summary>
    string Target { get; }

    /// <summary>
    /// Performs the operation of one arrival on the given connection. Completes normally on
    /// success and throws (an <see cref="Grpc.Core.RpcException"/> for a gRPC error) on failure.
    /// Called concurrently from many threads.
    /// </summary>
    Task ExecuteAsync(int connection, DateTime deadline, CancellationToken cancellationToken);
}

/// <summary>
/// A scenario run that measures figures of its own beside the engine's per-arrival results (for
/// example what its subscribers received and with which delay). Called once after the open run,
/// before the run is disposed.
/// </summary>
public interface IScenarioFigures
{
    /// <summary>
    /// The scenario's figures over the measured window (UTC wall clock; the warm-up is before
    /// <paramref name="measuredFromUtc"/>). Names ending in "/s" are rates and are also quoted as ratios of R.
    /// </summary>
    Task<IReadOnlyDictionary<string, double>> CollectFiguresAsync(DateTime measuredFromUtc, DateTime measuredToUtc, CancellationToken cancellationToken);

    /// <summary>
    /// The figure (a p99 in ms) that <c>--max-p99</c> gates when the scenario's target names one (status-storm's target
    /// is the end-to-end delay, not the send-to-ack latency of a message); null gates the per-arrival latency.
    /// </summary>
    string? P99TargetFigure => null;
}

/// <summary>What a scenario gets from the engine.</summary>
public sealed class ScenarioContext
{
    public ScenarioContext(RunOptions options, string? operatorCredential, TextWriter log)
    {
        Options = options;
        OperatorCredential = operatorCredential;
        Log = log;
    }

    /// <summary>The run's options (connections, streams, hub address ...).</summary>
    public RunOptions Options { get; }

    /// <summary>The operator's credential; null for scenarios that do not use the hub.</summary>
    public string? OperatorCredential { get; }

    /// <summary>Where set-up and clean-up messages go.</summary>
    public TextWriter Log { get; }

    /// <summary>Opens <see cref="RunOptions.Connections"/> channels to an address, each its own HTTP/2 connection.</summary>
    public ConnectionSet OpenConnections(Uri address) => ConnectionSet.Open(address, Options.Connections);

    /// <summary>The operator's credential, or a set-up failure when there is none.</summary>
    public string RequireOperatorCredential() =>
        OperatorCredential ?? throw new LoadTestSetupException("this scenario needs the operator credential.");
}
