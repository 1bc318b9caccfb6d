namespace ClearingHouse.LoadTests.Cli;

/// <summary>Rejects options that make no sense, with a message that says why (exit code 2).</summary>
public static class RunOptionsValidator
{
    public static IEnumerable<string> Validate(RunOptions o)
    {
        if (o.Duration <= TimeSpan.Zero)
        {
            yield return "--duration must be more than 0.";
        }

        if (o.Grace > TimeSpan.FromMinutes(1))
        {
            yield return "--grace must be at most 1m: a run must end soon after its duration.";
        }

        if (o.CallTimeout <= TimeSpan.Zero)
        {
            yield return "--call-timeout must be more than 0.";
        }

        if (o.Saturation <= TimeSpan.Zero)
        {
            yield return "--saturation must be more than 0.";
        }

        if (o.Connections is < 1 or > 1024)
        {
            yield return $"--connections {o.Connections} must be between 1 and 1024.";
        }

        if (o.Streams is < 1 or > 10_000)
        {
            yield return $"--streams {o.Streams} must be between 1 and 10000.";
        }

        if (o.Batch is < 1 or > 1000)
        {
            yield return $"--batch {o.Batch} must be between 1 and 1000.";
        }

        if (o.MaxInFlight < 1)
        {
            yield return $"--max-in-flight {o.MaxInFlight} must be at least 1.";
        }

        if (o.Concurrency is < 1 or > 10_000)
        {
            yield return $"--concurrency {o.Concurrency} must be between 1 and 10000.";
        }

        if (o.FindMax && o.Profile != RateProfileKind.Constant)
        {
            yield return "--rate max runs at a constant R/2: it cannot be combined with --profile ramp or step.";
        }

        if (o.Profile != RateProfileKind.Constant && o.Rate is { } target)
        {
            if (o.RateStart <= 0 || !double.IsFinite(o.RateStart))
            {
                yield return $"--rate-start {o.RateStart} must be a positive number.";
            }
            else if (o.RateStart > target && o.Profile == RateProfileKind.Step)
            {
                yield return $"--rate-start {o.RateStart} is above --rate {target}: steps go up.";
            }
        }

        if (o.Profile == RateProfileKind.Step && o.Steps < 2)
        {
            yield return $"--steps {o.Steps} must be at least 2 for a step profile.";
        }

        if (o.MaxP99Ms is { } p99 && (p99 <= 0 || !double.IsFinite(p99)))
        {
            yield return $"--max-p99 {p99} must be a positive number of milliseconds.";
        }

        if (o.MaxErrorRate is { } errorRate && (errorRate < 0 || errorRate > 1 || double.IsNaN(errorRate)))
        {
            yield return $"--max-error-rate {errorRate} must be a fraction between 0 and 1 (0.01 = 1%).";
        }

        if (o.MinThroughput is { } minThroughput)
        {
            if (minThroughput <= 0 || !double.IsFinite(minThroughput))
            {
                yield return $"--min-throughput {minThroughput} must be a positive number of calls per second.";
            }
            else if (o.Rate is { } rate && o.Profile == RateProfileKind.Constant && minThroughput > rate)
            {
                yield return $"--min-throughput {minThroughput}/s can never be met at --rate {rate}/s: throughput cannot exceed the offered rate.";
            }
        }
    }
}
