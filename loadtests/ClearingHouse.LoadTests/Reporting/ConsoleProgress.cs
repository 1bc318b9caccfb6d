using System.Globalization;

namespace ClearingHouse.LoadTests.Reporting;

/// <summary>One line per interval on the terminal, and the final summary.</summary>
public sealed class ConsoleProgress(bool quiet)
{
    private string _phase = string.Empty;

    public void Begin(string phase) => _phase = phase;

    public void OnInterval(IntervalSample s)
    {
        if (quiet)
        {
            return;
        }

        var errors = s.Errors == 0 ? "0" : $"{s.Errors} ({string.Join(", ", s.ErrorsByCode.Select(e => $"{e.Key} {e.Value}"))})";
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{_phase,-22} {s.EndSeconds,7:0.0}s {s.Phase,-7} target {Rate(s.TargetRate),8} offered {s.ArrivalsPerSecond,9:0}/s ok {s.OkPerSecond,9:0}/s " +
            $"p50 {Ms(s.Latency?.P50Ms),8} p99 {Ms(s.Latency?.P99Ms),8} err {errors} drop {s.Dropped} in-flight {s.InFlightAtEnd}"));
    }

    public static void PrintSummary(RunReport report, string folder)
    {
        var w = Console.Out;
        w.WriteLine();
        w.WriteLine($"== {report.Scenario}: {report.Description}");
        if (report.Saturation is { } saturation)
        {
            w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"maximum rate (closed loop, {saturation.Concurrency} in flight): {saturation.Throughput:0}/s, errors {saturation.Errors}"));
        }

        if (report.Run is { } run)
        {
            w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"open run ({run.Profile}): {run.Arrivals} arrivals in {run.MeasuredSeconds:0.##}s, ok {run.Ok} ({run.Throughput:0}/s), " +
                $"errors {run.Errors}, dropped {run.Dropped}, error rate {run.ErrorRate:0.######}{(run.Interrupted ? " (INTERRUPTED)" : string.Empty)}"));
            if (run.ErrorsByCode.Count > 0)
            {
                w.WriteLine("errors by status: " + string.Join(", ", run.ErrorsByCode.Select(e => $"{e.Key} {e.Value}")));
            }

            w.WriteLine("latency from intended send (ms): " + Percentiles(run.Latency));
            w.WriteLine("service time from actual send (ms): " + Percentiles(run.Service));
        }

        if (report.Figures is { Count: > 0 } figures)
        {
            w.WriteLine("scenario figures:");
            foreach (var (name, value) in figures)
            {
                w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name}: {value:0.###}"));
            }
        }

        if (report.Calibration is { } calibration)
        {
            w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"calibration: R = {calibration.RawCapacity:0} calls/s; at R/2: {Percentiles(calibration.HalfLoad.Latency)}"));
            if (calibration.SameRate is { } same)
            {
                w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"calibration at the scenario's rate ({same.Profile}): {Percentiles(same.Latency)}"));
            }
        }

        if (report.Ratios is { Count: > 0 } ratios)
        {
            w.WriteLine("ratios: " + string.Join(", ", ratios.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Key} = {r.Value}"))));
        }

        if (report.Thresholds.Count == 0)
        {
            w.WriteLine("thresholds: none given (exit code 0 whatever the result)");
        }

        foreach (var t in report.Thresholds)
        {
            w.WriteLine($"threshold {t.Name} {t.Limit}: {t.Actual} -> {(t.Passed ? "PASS" : "FAIL")}");
        }

        w.WriteLine($"results: {folder}");
    }

    public static string Percentiles(LatencySummary? l) =>
        l is null
            ? "no successful call"
            : string.Create(CultureInfo.InvariantCulture, $"p50 {l.P50Ms:0.###} p90 {l.P90Ms:0.###} p99 {l.P99Ms:0.###} p99.9 {l.P999Ms:0.###} max {l.MaxMs:0.###}");

    private static string Ms(double? value) => value is null ? "-" : string.Create(CultureInfo.InvariantCulture, $"{value:0.00}ms");

    private static string Rate(double? value) => value is null ? "closed" : string.Create(CultureInfo.InvariantCulture, $"{value:0}/s");
}
