using System.Globalization;
using ClearingHouse.LoadTests.Cli;

namespace ClearingHouse.LoadTests.Reporting;

/// <summary>Checks the run against --max-p99, --max-error-rate and --min-throughput.</summary>
public static class ThresholdEvaluator
{
    /// <summary>
    /// The thresholds' results. <paramref name="p99Figure"/> names the scenario's own figure that --max-p99 gates
    /// (what its target names, e.g. status-storm's end-to-end delay); null gates the per-arrival latency.
    /// </summary>
    public static List<ThresholdResult> Evaluate(RunOptions options, PhaseResult run, IReadOnlyDictionary<string, double>? figures = null, string? p99Figure = null)
    {
        var results = new List<ThresholdResult>();
        if (options.MaxP99Ms is { } gated && p99Figure is not null)
        {
            // A figure that was not measured (no delivery at all) fails: nothing to trust.
            double? value = figures is not null && figures.TryGetValue(p99Figure, out var measured) ? measured : null;
            results.Add(new ThresholdResult(
                p99Figure, F("<= {0}", gated), value is null ? "not measured" : F("{0}", value), value <= gated));
        }
        else if (options.MaxP99Ms is { } maxP99)
        {
            // No successful call means no latency to trust: that fails the threshold.
            var p99 = run.Latency?.P99Ms;
            results.Add(new ThresholdResult(
                "p99 latency (ms)", F("<= {0}", maxP99), p99 is null ? "no successful call" : F("{0}", p99), p99 is not null && p99 <= maxP99));
        }

        if (options.MaxErrorRate is { } maxErrorRate)
        {
            results.Add(new ThresholdResult(
                "error rate ((errors + dropped) / arrivals)",
                F("<= {0}", maxErrorRate),
                F("{0:0.######}", run.ErrorRate),
                run.ErrorRate <= maxErrorRate && (run.Arrivals > 0)));
        }

        if (options.MinThroughput is { } minThroughput)
        {
            results.Add(new ThresholdResult(
                "throughput (ok/s)", F(">= {0}", minThroughput), F("{0}", run.Throughput), run.Throughput >= minThroughput));
        }

        return results;
    }

    private static string F(string format, params object?[] args) => string.Format(CultureInfo.InvariantCulture, format, args);
}
