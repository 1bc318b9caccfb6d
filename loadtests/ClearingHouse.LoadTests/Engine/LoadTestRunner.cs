using System.Runtime.InteropServices;
using ClearingHouse.LoadTests.Cli;
using ClearingHouse.LoadTests.Hub;
using ClearingHouse.LoadTests.Reporting;
using ClearingHouse.LoadTests.Scenarios;
using Grpc.Core;

namespace ClearingHouse.LoadTests.Engine;

/// <summary>One invocation: check the hub, calibrate if asked, set up, load, report, and return the exit code.</summary>
public static class LoadTestRunner
{
    /// <summary>The open run of a --calibrate beside a scenario is short; it only has to give p99 at R/2.</summary>
    private static readonly TimeSpan CalibrationOpenRun = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(IScenario scenario, RunOptions options, CancellationToken cancellationToken)
    {
        var log = Console.Out;
        var startedAt = DateTimeOffset.UtcNow;
        try
        {
            string? operatorCredential = null;
            if (scenario.UsesHub)
            {
                operatorCredential = CredentialResolver.Resolve(options);
                await HubProbe.CheckOperatorAsync(options.Hub, operatorCredential, log, cancellationToken);
            }

            var context = new ScenarioContext(options, operatorCredential, log);
            CalibrationResult? calibration = null;
            if (options.Calibrate && scenario is not CalibrateScenario)
            {
                await log.WriteLineAsync("calibration: empty in-process gRPC handler, same connections, same engine");
                var calibrationOptions = options with { Duration = options.Duration < CalibrationOpenRun ? options.Duration : CalibrationOpenRun };
                var (calibrationSaturation, calibrationRun, _, _) = await LoadAsync(
                    new CalibrateScenario(), new ScenarioContext(calibrationOptions, null, log), calibrationOptions, findMax: true, cancellationToken);
                calibration = new CalibrationResult { RawCapacity = calibrationSaturation!.Throughput, HalfLoad = calibrationRun };
            }

            var (saturation, run, figures, p99Figure) = await LoadAsync(scenario, context, options, options.FindMax, cancellationToken);
            if (scenario is CalibrateScenario && saturation is not null)
            {
                calibration = new CalibrationResult { RawCapacity = saturation.Throughput, HalfLoad = run };
            }
            else if (calibration is not null && !run.Interrupted)
            {
                // The empty handler again, at the rate the scenario's open run was offered.
                var sameRate = options with
                {
                    Duration = options.Duration < CalibrationOpenRun ? options.Duration : CalibrationOpenRun,
                    FindMax = false,
                    Rate = saturation is null ? options.Rate : Math.Max(1, Math.Round(saturation.Throughput / 2)),
                    Profile = saturation is null ? options.Profile : RateProfileKind.Constant,
                };
                await log.WriteLineAsync("calibration: the empty handler again, at the scenario's offered rate");
                var (_, calibrationRun, _, _) = await LoadAsync(new CalibrateScenario(), new ScenarioContext(sameRate, null, log), sameRate, findMax: false, cancellationToken);
                calibration = calibration with { SameRate = calibrationRun };
            }

            var thresholds = ThresholdEvaluator.Evaluate(options, run, figures, p99Figure);
            var report = new RunReport
            {
                Scenario = scenario.Name,
                Description = scenario.Description,
                StartedAt = startedAt,
                Machine = $"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, " +
                          $"{(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC",
                Options = Describe(options),
                Saturation = saturation,
                Run = run,
                Calibration = calibration,
                Ratios = calibration is null ? null : Ratios(scenario, saturation, run, calibration, figures),
                Figures = figures,
                Thresholds = thresholds,
                Passed = thresholds.All(t => t.Passed),
            };

            var folder = ReportWriter.Write(report, options.OutputDirectory);
            ConsoleProgress.PrintSummary(report, folder);
            // Even with --quiet: a failed run names each kind of error by its first message (CI logs show why).
            if (!report.Passed || run.Errors > 0)
            {
                foreach (var (kind, message) in run.FirstErrors)
                {
                    await Console.Error.WriteLineAsync($"first {kind} error: {message}");
                }
            }
            if (run.Interrupted)
            {
                return ExitCodes.Interrupted;
            }

            return report.Passed ? ExitCodes.Passed : ExitCodes.ThresholdFailed;
        }
        catch (LoadTestSetupException e)
        {
            await Console.Error.WriteLineAsync("error: " + e.Message);
            return ExitCodes.Usage;
        }
        catch (RpcException e)
        {
            // Calls of the measured run are counted, never thrown: this is a set-up call a scenario did not explain.
            await Console.Error.WriteLineAsync("error: " + HubErrors.Explain(e, options.Hub, "a set-up call").Message);
            return ExitCodes.Usage;
        }
        catch (TimeoutException e)
        {
            await Console.Error.WriteLineAsync($"error: the hub at {options.Hub} did not get a set-up step done in time: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("interrupted during set-up: nothing measured.");
            return ExitCodes.Interrupted;
        }
    }

    private static async Task<(PhaseResult? Saturation, PhaseResult Run, IReadOnlyDictionary<string, double>? Figures, string? P99Figure)> LoadAsync(
        IScenario scenario, ScenarioContext context, RunOptions options, bool findMax, CancellationToken cancellationToken)
    {
        var progress = new ConsoleProgress(options.Quiet);
        await using var run = await scenario.StartAsync(context, cancellationToken);
        await context.Log.WriteLineAsync($"target: {run.Target}; {options.Connections} connection(s)");

        PhaseResult? saturation = null;
        RateProfile profile;
        if (findMax)
        {
            await context.Log.WriteLineAsync(
                $"[{scenario.Name}] closed-loop saturation: {options.Concurrency} in flight per connection, " +
                $"{DurationParser.Format(options.Warmup)} warm-up + {DurationParser.Format(options.Saturation)}");
            progress.Begin($"{scenario.Name}/saturation");
            saturation = await ClosedLoopRunner.RunAsync(
                run,
                options.Concurrency,
                Plan("saturation", options, options.Saturation, progress),
                cancellationToken);
            var half = Math.Max(1, Math.Round(saturation.Throughput / 2));
            await context.Log.WriteLineAsync($"[{scenario.Name}] maximum rate R = {saturation.Throughput:0}/s; open run at R/2 = {half:0}/s");
            profile = RateProfile.Constant(half, options.Duration);
        }
        else
        {
            profile = new RateProfile(options.Profile, options.RateStart, options.Rate!.Value, options.Duration, options.Steps);
        }

        await context.Log.WriteLineAsync(
            $"[{scenario.Name}] open run: {profile}, {DurationParser.Format(options.Warmup)} warm-up + {DurationParser.Format(options.Duration)}");
        progress.Begin($"{scenario.Name}/open");
        var openedAt = DateTime.UtcNow;
        var result = await OpenLoopRunner.RunAsync(run, profile, Plan("open", options, options.Duration, progress), cancellationToken);
        IReadOnlyDictionary<string, double>? figures = null;
        string? p99Figure = null;
        if (run is IScenarioFigures source)
        {
            // The measured window of the open run in wall-clock time, for figures the scenario
            // measures itself (for example what its subscribers received, by send time).
            var from = openedAt + options.Warmup;
            figures = await source.CollectFiguresAsync(from, from + options.Duration, cancellationToken);
            p99Figure = source.P99TargetFigure;
        }

        return (saturation, result, figures, p99Figure);
    }

    private static LoadPlan Plan(string name, RunOptions options, TimeSpan measured, ConsoleProgress progress) =>
        new(name, options.Warmup, measured, options.Grace, options.CallTimeout, options.Connections, options.MaxInFlight, progress.OnInterval);

    private static Dictionary<string, double> Ratios(
        IScenario scenario, PhaseResult? saturation, PhaseResult run, CalibrationResult calibration, IReadOnlyDictionary<string, double>? figures)
    {
        var r = calibration.RawCapacity;
        var ratios = new Dictionary<string, double>(StringComparer.Ordinal);
        if (r > 0)
        {
            ratios["throughput / R"] = Math.Round(run.Throughput / r, 4);
            if (saturation is not null && scenario is not CalibrateScenario)
            {
                ratios["max rate / R"] = Math.Round(saturation.Throughput / r, 4);
            }

            // A scenario's own rates (named "... /s") are quoted against R too.
            foreach (var (name, value) in figures ?? new Dictionary<string, double>())
            {
                if (name.EndsWith("/s", StringComparison.Ordinal))
                {
                    ratios[$"{name} / R"] = Math.Round(value / r, 4);
                }
            }
        }

        if (run.Latency is { } latency && calibration.HalfLoad.Latency is { } baseline && baseline.P99Ms > 0 && scenario is not CalibrateScenario)
        {
            ratios["p99 / calibrate p99 at R/2"] = Math.Round(latency.P99Ms / baseline.P99Ms, 3);
        }

        if (run.Latency is { } own && calibration.SameRate?.Latency is { } same && same.P99Ms > 0)
        {
            ratios["p99 / calibrate p99 at the same rate"] = Math.Round(own.P99Ms / same.P99Ms, 3);
        }

        return ratios;
    }

    private static Dictionary<string, string> Describe(RunOptions o) => new(StringComparer.Ordinal)
    {
        ["hub"] = o.Scenario == "calibrate" ? "(in-process)" : o.Hub.ToString(),
        ["rate"] = o.FindMax ? "max" : $"{o.Rate}",
        ["profile"] = o.FindMax ? "constant" : o.Profile.ToString().ToLowerInvariant(),
        ["rate-start"] = o.Profile == RateProfileKind.Constant ? "-" : $"{o.RateStart}",
        ["steps"] = o.Profile == RateProfileKind.Step ? $"{o.Steps}" : "-",
        ["duration"] = DurationParser.Format(o.Duration),
        ["warmup"] = DurationParser.Format(o.Warmup),
        ["grace"] = DurationParser.Format(o.Grace),
        ["call-timeout"] = DurationParser.Format(o.CallTimeout),
        ["connections"] = $"{o.Connections}",
        ["streams"] = $"{o.Streams}",
        ["batch"] = $"{o.Batch}",
        ["max-in-flight"] = $"{o.MaxInFlight}",
        ["concurrency"] = o.FindMax || o.Calibrate ? $"{o.Concurrency} per connection" : "-",
        ["saturation"] = o.FindMax || o.Calibrate ? DurationParser.Format(o.Saturation) : "-",
        ["calibrate"] = o.Calibrate ? "yes" : "no",
        ["calibration-server"] = o.CalibrationHost == Calibration.CalibrationHost.Process ? "process" : "in-process",
    };
}
