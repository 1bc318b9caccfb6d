using System.Diagnostics.Metrics;

namespace ClearingHouse.Application.Diagnostics;

/// <summary>The hub's instruments, on the one <c>ClearingHouse</c> meter.</summary>
public sealed class HubMetrics
{
    /// <summary>The meter name, for exporters.</summary>
    public const string MeterName = "ClearingHouse";

    /// <summary>
    /// Bucket bounds (seconds) of every latency histogram: 0.5 ms to 30 s, so a p99 reads the same on every flow and
    /// a decision against a 1 s deadline lands in a bucket of its own.
    /// </summary>
    public static readonly InstrumentAdvice<double> LatencyBuckets = new()
    {
        HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    };

    /// <summary>The fixed reasons <see cref="AuthenticationFailed"/> is called with (each series exists at 0 from the start).</summary>
    public static readonly IReadOnlyList<string> AuthFailureReasons = ["missing", "malformed", "unknown", "suspended"];

    private readonly Counter<long> _authFailures;

    /// <summary>Creates the instruments.</summary>
    public HubMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _authFailures = meter.CreateCounter<long>(InstrumentNames.AuthFailures, unit: "{call}", description: "Calls refused by authentication");
        foreach (var reason in AuthFailureReasons)
        {
            _authFailures.Add(0, new KeyValuePair<string, object?>("reason", reason));
        }
    }

    /// <summary>Counts a refused call; <paramref name="reason"/> is one of a few fixed words.</summary>
    public void AuthenticationFailed(string reason) => _authFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
