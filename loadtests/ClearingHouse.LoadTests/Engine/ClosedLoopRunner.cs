using System.Diagnostics;
using ClearingHouse.LoadTests.Reporting;
using ClearingHouse.LoadTests.Scenarios;

namespace ClearingHouse.LoadTests.Engine;

/// <summary>
/// A closed loop: a fixed number of calls always in flight, each worker sending its next call as soon
/// as the previous one returns. It is only used to find the maximum sustainable rate (its latencies
/// are those of a saturated system, not of a given load); the open run then measures latency.
/// </summary>
public static class ClosedLoopRunner
{
    public static async Task<PhaseResult> RunAsync(IScenarioRun run, int concurrencyPerConnection, LoadPlan plan, CancellationToken cancellationToken)
    {
        var metrics = new Metrics();
        using var hardStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var stopSending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var start = Stopwatch.GetTimestamp();
        var collector = new IntervalCollector(metrics, start, plan.Warmup, plan.Duration, drainIsMeasured: false, _ => null, plan.OnInterval);
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var collecting = collector.RunAsync(finished.Task);

        var workers = new Task[plan.Connections * concurrencyPerConnection];
        for (var i = 0; i < workers.Length; i++)
        {
            var connection = i % plan.Connections;
            workers[i] = Task.Run(() => WorkAsync(run, metrics, connection, plan.CallTimeout, stopSending.Token, hardStop.Token), CancellationToken.None);
        }

        try
        {
            await Task.Delay(plan.Warmup + plan.Duration, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }

        await stopSending.CancelAsync();
        await OpenLoopRunner.DrainAsync(metrics, plan.Grace, hardStop);
        await Task.WhenAny(Task.WhenAll(workers), Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None));
        finished.SetResult();
        await collecting;

        return PhaseAssembler.Build(plan, "closed", run.Target, collector, plan.Duration, cancellationToken.IsCancellationRequested) with
        {
            Concurrency = workers.Length,
        };
    }

    private static async Task WorkAsync(IScenarioRun run, Metrics metrics, int connection, TimeSpan callTimeout, CancellationToken stopSending, CancellationToken hardStop)
    {
        while (!stopSending.IsCancellationRequested)
        {
            metrics.TryAdmit(int.MaxValue);
            await OpenLoopRunner.CallAsync(run, metrics, connection, Stopwatch.GetTimestamp(), callTimeout, hardStop);
        }
    }
}
