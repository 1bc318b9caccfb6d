using System.Diagnostics;
using ClearingHouse.LoadTests.Reporting;
using ClearingHouse.LoadTests.Scenarios;
using Grpc.Core;

namespace ClearingHouse.LoadTests.Engine;

/// <summary>What the open and closed runners share: the run's shape and where progress goes.</summary>
public sealed record LoadPlan(
    string Name,
    TimeSpan Warmup,
    TimeSpan Duration,
    TimeSpan Grace,
    TimeSpan CallTimeout,
    int Connections,
    int MaxInFlight,
    Action<IntervalSample> OnInterval);

/// <summary>
/// The open workload model. A dedicated thread walks a clock and releases arrivals at the target
/// rate whatever the responses do; each arrival's latency is measured from its INTENDED send time,
/// so a slow hub shows up as latency and not as a lower offered load (no coordinated omission).
/// When <see cref="LoadPlan.MaxInFlight"/> calls are already in flight an arrival is dropped and
/// counted, never delayed.
/// </summary>
public static class OpenLoopRunner
{
    public static async Task<PhaseResult> RunAsync(IScenarioRun run, RateProfile profile, LoadPlan plan, CancellationToken cancellationToken)
    {
        var metrics = new Metrics();
        using var hardStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + (long)(plan.Warmup.TotalSeconds * Stopwatch.Frequency);
        metrics.SetMeasuredWindow(measureFrom, measureFrom + (long)(plan.Duration.TotalSeconds * Stopwatch.Frequency));
        var collector = new IntervalCollector(
            metrics,
            start,
            plan.Warmup,
            plan.Duration,
            drainIsMeasured: true,
            sinceMeasureStart => Math.Round(profile.RateAt(TimeSpan.FromSeconds(Math.Max(0, sinceMeasureStart))), 1),
            plan.OnInterval);

        var scheduled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var collecting = collector.RunAsync(finished.Task);
        var scheduler = new Thread(() =>
        {
            try
            {
                Schedule(run, profile, plan, metrics, start, hardStop.Token);
            }
            finally
            {
                scheduled.SetResult();
            }
        })
        {
            IsBackground = true,
            Name = "arrivals",
            Priority = ThreadPriority.AboveNormal,
        };
        scheduler.Start();
        await scheduled.Task;

        await DrainAsync(metrics, plan.Grace, hardStop);
        finished.SetResult();
        await collecting;

        return PhaseAssembler.Build(
            plan,
            "open",
            run.Target,
            collector,
            plan.Duration,
            cancellationToken.IsCancellationRequested) with
        { Profile = profile.ToString() };
    }

    /// <summary>Waits for in-flight calls up to the grace time, then cancels them and waits a little for the cancellations.</summary>
    internal static async Task DrainAsync(Metrics metrics, TimeSpan grace, CancellationTokenSource hardStop)
    {
        var graceEnd = Stopwatch.GetTimestamp() + (long)(grace.TotalSeconds * Stopwatch.Frequency);
        while (metrics.InFlight > 0 && Stopwatch.GetTimestamp() < graceEnd && !hardStop.IsCancellationRequested)
        {
            await Task.Delay(10, CancellationToken.None);
        }

        await hardStop.CancelAsync();
        var cancelEnd = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
        while (metrics.InFlight > 0 && Stopwatch.GetTimestamp() < cancelEnd)
        {
            await Task.Delay(10, CancellationToken.None);
        }
    }

    private static void Schedule(IScenarioRun run, RateProfile profile, LoadPlan plan, Metrics metrics, long start, CancellationToken stop)
    {
        var frequency = (double)Stopwatch.Frequency;
        var warmupTicks = plan.Warmup.TotalSeconds * frequency;
        var endTicks = warmupTicks + (plan.Duration.TotalSeconds * frequency);
        double next = 0;
        var connection = 0;
        while (!stop.IsCancellationRequested && next < endTicks)
        {
            var now = Stopwatch.GetTimestamp() - start;
            if (next > now)
            {
                Pause((next - now) / frequency);
                continue;
            }

            while (next <= now && next < endTicks)
            {
                if (metrics.TryAdmit(plan.MaxInFlight, start + (long)next))
                {
                    ThreadPool.UnsafeQueueUserWorkItem(new Arrival(run, metrics, connection, start + (long)next, plan.CallTimeout, stop), preferLocal: false);
                }

                connection = connection + 1 == plan.Connections ? 0 : connection + 1;
                var rate = Math.Max(1.0, profile.RateAt(TimeSpan.FromSeconds((next - warmupTicks) / frequency)));
                next += frequency / rate;
            }
        }
    }

    /// <summary>
    /// Waits about <paramref name="seconds"/>. Thread.Sleep cannot wait less than ~1 ms, which would
    /// send arrivals up to 1 ms late (the lag counts as latency, since latency is measured from the
    /// intended time); on Linux usleep wakes within ~0.1 ms at the cost of more wake-ups.
    /// </summary>
    private static void Pause(double seconds)
    {
        if (seconds >= 0.002 || !OperatingSystem.IsLinux())
        {
            Thread.Sleep(Math.Max(1, (int)(seconds * 1000) - 1));
            return;
        }

        _ = NativeMethods.usleep((uint)Math.Max(20, seconds * 1_000_000));
    }

    /// <summary>One arrival, run on the thread pool so the clock thread never waits for a call to start.</summary>
    private sealed class Arrival(IScenarioRun run, Metrics metrics, int connection, long intendedTimestamp, TimeSpan callTimeout, CancellationToken stop)
        : IThreadPoolWorkItem
    {
        public void Execute() => _ = CallAsync(run, metrics, connection, intendedTimestamp, callTimeout, stop);
    }

    internal static async Task CallAsync(IScenarioRun run, Metrics metrics, int connection, long intendedTimestamp, TimeSpan callTimeout, CancellationToken stop)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await run.ExecuteAsync(connection, DateTime.UtcNow + callTimeout, stop);
            metrics.RecordSuccess(intendedTimestamp, started, Stopwatch.GetTimestamp());
        }
        catch (RpcException e)
        {
            metrics.RecordFailure(e.StatusCode, e.Status.Detail, intendedTimestamp);
        }
        catch (OperationCanceledException e)
        {
            metrics.RecordFailure(StatusCode.Cancelled, e.Message, intendedTimestamp);
        }
#pragma warning disable CA1031 // Any failure of one call is counted, never allowed to end the run.
        catch (Exception e)
#pragma warning restore CA1031
        {
            // A scenario's own check (an ack not ACCEPTED, a missing delivery): named, with its message, not Unknown.
            metrics.RecordCheckFailure(e, intendedTimestamp);
        }
    }
}

/// <summary>Builds a <see cref="PhaseResult"/> from what an <see cref="IntervalCollector"/> gathered.</summary>
internal static class PhaseAssembler
{
    public static PhaseResult Build(LoadPlan plan, string mode, string target, IntervalCollector collector, TimeSpan measured, bool interrupted)
    {
        // Open runs: the outcomes of exactly the arrivals intended in the window (ok never exceeds arrivals).
        var totals = collector.WindowTotals ?? collector.MeasuredTotals;
        // An interrupted run was measured only until it stopped.
        var measuredSeconds = interrupted
            ? Math.Round(collector.Samples.Where(s => s.Phase == "measure").Sum(s => s.EndSeconds - s.StartSeconds), 3)
            : measured.TotalSeconds;
        var attempted = totals.Ok + totals.Errors + totals.Dropped;
        return new PhaseResult
        {
            Name = plan.Name,
            Mode = mode,
            Target = target,
            WarmupSeconds = plan.Warmup.TotalSeconds,
            MeasuredSeconds = measuredSeconds,
            Arrivals = totals.Arrivals,
            Dropped = totals.Dropped,
            Ok = totals.Ok,
            Errors = totals.Errors,
            ErrorsByCode = IntervalCollector.ByCode(totals.ErrorsByCode),
            FirstErrors = collector.FirstErrorMessages,
            Throughput = measuredSeconds > 0 ? Math.Round(totals.Ok / measuredSeconds, 1) : 0,
            ErrorRate = attempted > 0 ? (double)(totals.Errors + totals.Dropped) / attempted : 0,
            Latency = LatencySummary.From(collector.OverallLatency),
            Service = LatencySummary.From(collector.OverallService),
            Interrupted = interrupted,
            Intervals = collector.Samples,
        };
    }
}

internal static partial class NativeMethods
{
    [System.Runtime.InteropServices.LibraryImport("libc", SetLastError = false)]
    internal static partial int usleep(uint microseconds);
}
