using HdrHistogram;

namespace ClearingHouse.LoadTests.Reporting;

/// <summary>Percentiles of one histogram, in milliseconds.</summary>
public sealed record LatencySummary(long Count, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs, double MeanMs)
{
    public static LatencySummary? From(HistogramBase histogram)
    {
        if (histogram.TotalCount == 0)
        {
            return null;
        }

        return new LatencySummary(
            histogram.TotalCount,
            Ms(histogram.GetValueAtPercentile(50)),
            Ms(histogram.GetValueAtPercentile(90)),
            Ms(histogram.GetValueAtPercentile(99)),
            Ms(histogram.GetValueAtPercentile(99.9)),
            Ms(histogram.GetMaxValue()),
            Math.Round(histogram.GetMean() / 1000.0, 3));
    }

    private static double Ms(long micros) => micros / 1000.0;
}

/// <summary>One interval of the per-second series.</summary>
public sealed record IntervalSample
{
    public required int Index { get; init; }

    /// <summary>Seconds since the start of the phase (warm-up included).</summary>
    public required double StartSeconds { get; init; }

    public required double EndSeconds { get; init; }

    /// <summary>"warmup", "measure" or "drain" (after the last arrival, while in-flight calls finish).</summary>
    public required string Phase { get; init; }

    /// <summary>The target arrival rate at the middle of the interval (its mean, for a ramp); null in a closed loop.</summary>
    public double? TargetRate { get; init; }

    public required long Arrivals { get; init; }

    public required long Dropped { get; init; }

    public required long Ok { get; init; }

    public required long Errors { get; init; }

    public required IReadOnlyDictionary<string, long> ErrorsByCode { get; init; }

    public required long InFlightAtEnd { get; init; }

    public double ArrivalsPerSecond => Rate(Arrivals);

    public double OkPerSecond => Rate(Ok);

    /// <summary>Latency from the intended send time of successful calls.</summary>
    public LatencySummary? Latency { get; init; }

    /// <summary>Latency from the actual send time of successful calls.</summary>
    public LatencySummary? Service { get; init; }

    private double Rate(long count) => EndSeconds > StartSeconds ? Math.Round(count / (EndSeconds - StartSeconds), 1) : 0;
}

/// <summary>The result of one phase: an open run at a rate, or a closed-loop saturation run.</summary>
public sealed record PhaseResult
{
    public required string Name { get; init; }

    /// <summary>"open" (arrival rate set by a clock) or "closed" (N calls always in flight).</summary>
    public required string Mode { get; init; }

    public required string Target { get; init; }

    /// <summary>The rate profile of an open run.</summary>
    public string? Profile { get; init; }

    /// <summary>Calls in flight of a closed run.</summary>
    public int? Concurrency { get; init; }

    public required double WarmupSeconds { get; init; }

    public required double MeasuredSeconds { get; init; }

    public required long Arrivals { get; init; }

    public required long Dropped { get; init; }

    public required long Ok { get; init; }

    public required long Errors { get; init; }

    public required IReadOnlyDictionary<string, long> ErrorsByCode { get; init; }

    /// <summary>The first message of each kind of error (a status code name, or ScenarioCheck for a scenario's own check).</summary>
    public IReadOnlyDictionary<string, string> FirstErrors { get; init; } = new Dictionary<string, string>();

    /// <summary>Successful calls per second over the measured time.</summary>
    public required double Throughput { get; init; }

    /// <summary>(errors + dropped) / arrivals, over the measured part.</summary>
    public required double ErrorRate { get; init; }

    public LatencySummary? Latency { get; init; }

    public LatencySummary? Service { get; init; }

    /// <summary>True when Ctrl+C ended it early.</summary>
    public bool Interrupted { get; init; }

    public required IReadOnlyList<IntervalSample> Intervals { get; init; }
}

/// <summary>The calibration the results are quoted against.</summary>
public sealed record CalibrationResult
{
    /// <summary>R: the maximum rate of the empty handler (closed-loop saturation), calls/s.</summary>
    public required double RawCapacity { get; init; }

    /// <summary>The open run at R/2.</summary>
    public required PhaseResult HalfLoad { get; init; }

    /// <summary>
    /// The open run at the scenario's own offered rate (its R/2 with --rate max), after the scenario: the issues'
    /// latency targets compare with calibrate's p99 "at the same offered rate", not at calibrate's higher R/2.
    /// </summary>
    public PhaseResult? SameRate { get; init; }
}

/// <summary>One threshold and whether the run met it.</summary>
public sealed record ThresholdResult(string Name, string Limit, string Actual, bool Passed);

/// <summary>Everything a run reports: the JSON file, and what the Markdown and HTML are made from.</summary>
public sealed record RunReport
{
    public required string Scenario { get; init; }

    public required string Description { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required string Machine { get; init; }

    public required IReadOnlyDictionary<string, string> Options { get; init; }

    /// <summary>The closed-loop saturation of --rate max, if run.</summary>
    public PhaseResult? Saturation { get; init; }

    /// <summary>The open run: the main result.</summary>
    public PhaseResult? Run { get; init; }

    /// <summary>The calibration (the calibrate scenario itself, or --calibrate).</summary>
    public CalibrationResult? Calibration { get; init; }

    /// <summary>Figures the scenario measured itself over the open run's measured window (for example delivered events/s), if any.</summary>
    public IReadOnlyDictionary<string, double>? Figures { get; init; }

    /// <summary>Scenario figures divided by the calibration's, when there is a calibration.</summary>
    public IReadOnlyDictionary<string, double>? Ratios { get; init; }

    public required IReadOnlyList<ThresholdResult> Thresholds { get; init; }

    public required bool Passed { get; init; }
}
