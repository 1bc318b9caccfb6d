using System.Globalization;
using ClearingHouse.LoadTests.Cli;

namespace ClearingHouse.LoadTests.Reporting;

/// <summary>Checks the run against --max-p99, --max-error-rate and --min-throughput.</summary>
public static class ThresholdEvaluator
{
    public static List<ThresholdResult> Evaluate(RunOptions options, PhaseResult run)
    {
        var results = new List<ThresholdResult>();
        if (options.MaxP99Ms is { } maxP99)
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
