using ClearingHouse.LoadTests.Calibration;
using ClearingHouse.LoadTests.Calibration.V1;
using ClearingHouse.LoadTests.Cli;
using ClearingHouse.LoadTests.Hub;
using Grpc.Core;

namespace ClearingHouse.LoadTests.Scenarios;

/// <summary>
/// The baseline: an empty unary handler served in-process, loaded exactly as a hub scenario is
/// (same channels, same Bearer header, same engine). Its maximum rate is R, the machine's raw gRPC
/// capacity; every other result is quoted as a ratio of it.
/// </summary>
public sealed class CalibrateScenario : IScenario
{
    /// <summary>A secret of the length and shape of a hub credential, so the header costs the same.</summary>
    private const string DummySecret = "chc_calibration0000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    public string Name => "calibrate";

    public string Description => "empty unary gRPC handler served in-process: the machine's raw gRPC capacity R";

    public bool UsesHub => false;

    public async Task<IScenarioRun> StartAsync(ScenarioContext context, CancellationToken cancellationToken)
    {
        ICalibrationTarget server = context.Options.CalibrationHost == CalibrationHost.Process
            ? await CalibrationServerProcess.StartAsync(cancellationToken)
            : await CalibrationServer.StartAsync(cancellationToken);
        var connections = context.OpenConnections(server.Address);
        var run = new Run(server, connections);
        try
        {
            for (var i = 0; i < connections.Count; i++)
            {
                await run.ExecuteAsync(i, DateTime.UtcNow.AddSeconds(5), cancellationToken);
            }
        }
        catch (RpcException e)
        {
            await run.DisposeAsync();
            throw new LoadTestSetupException($"the in-process calibration server did not answer: {e.Status}", e);
        }

        return run;
    }

    private sealed class Run(ICalibrationTarget server, ConnectionSet connections) : IScenarioRun
    {
        private static readonly PingRequest Request = new();
        private readonly Metadata _headers = Bearer.Headers(DummySecret);
        private readonly CalibrationService.CalibrationServiceClient[] _clients =
            connections.CreateClients(c => new CalibrationService.CalibrationServiceClient(c));

        public string Target =>
            $"CalibrationService.Ping (empty handler) {(server is CalibrationServerProcess ? "in a child process" : "in-process")} at {server.Address}";

        public Task ExecuteAsync(int connection, DateTime deadline, CancellationToken cancellationToken) =>
            _clients[connection].PingAsync(Request, _headers, deadline, cancellationToken).ResponseAsync;

        public async ValueTask DisposeAsync()
        {
            connections.Dispose();
            await server.DisposeAsync();
        }
    }
}
