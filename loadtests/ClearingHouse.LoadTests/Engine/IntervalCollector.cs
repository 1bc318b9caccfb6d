using System.Diagnostics;
using ClearingHouse.LoadTests.Reporting;
using Grpc.Core;
using HdrHistogram;

namespace ClearingHouse.LoadTests.Engine;

/// <summary>
/// Cuts the run into intervals of one second (plus a cut at the end of the warm-up and at the end of
/// the measured time), turns each into an <see cref="IntervalSample"/>, and adds the measured ones
/// into the overall histograms.
/// </summary>
public sealed class IntervalCollector
{
    private const double Epsilon = 1e-6;

    private readonly Metrics _metrics;
    private readonly long _startTimestamp;
    private readonly double _warmupSeconds;
    private readonly double _measureEndSeconds;
    private readonly bool _drainIsMeasured;
    private readonly Func<double, double?> _targetRateAt;
    private readonly Action<IntervalSample> _onInterval;
    private readonly List<IntervalSample> _samples = [];
    private Metrics.Totals _measured = new(0, 0, 0, new long[Metrics.ScenarioCheckIndex + 1]);

    /// <param name="drainIsMeasured">
    /// True for an open run: calls that arrived in the measured time and finish after it still count
    /// (leaving them out would hide the slowest). False for a closed run, whose throughput is what
    /// completed inside the window.
    /// </param>
    public IntervalCollector(
        Metrics metrics,
        long startTimestamp,
        TimeSpan warmup,
        TimeSpan measured,
        bool drainIsMeasured,
        Func<double, double?> targetRateAt,
        Action<IntervalSample> onInterval)
    {
        _metrics = metrics;
        _startTimestamp = startTimestamp;
        _warmupSeconds = warmup.TotalSeconds;
        _measureEndSeconds = (warmup + measured).TotalSeconds;
        _drainIsMeasured = drainIsMeasured;
        _targetRateAt = targetRateAt;
        _onInterval = onInterval;
    }

    public IReadOnlyList<IntervalSample> Samples => _samples;

    public HistogramBase OverallLatency { get; } = Metrics.NewHistogram();

    public HistogramBase OverallService { get; } = Metrics.NewHistogram();

    /// <summary>The counters summed over the measured intervals.</summary>
    public Metrics.Totals MeasuredTotals => _measured;

    /// <summary>The first message of each kind of error seen in the run (warm-up included).</summary>
    public IReadOnlyDictionary<string, string> FirstErrorMessages => _metrics.FirstMessages;

    /// <summary>The outcomes of the arrivals intended in the measured window (open runs); null for closed runs.</summary>
    public Metrics.Totals? WindowTotals => _metrics.ReadWindowTotals();

    /// <summary>Collects until <paramref name="finished"/> completes, then takes the last, partial interval.</summary>
    public async Task RunAsync(Task finished)
    {
        var previousTotals = _metrics.ReadTotals();
        double previousEnd = 0;
        double boundary = 0;
        var index = 0;
        while (true)
        {
            boundary = NextBoundary(boundary);
            var delay = TimeSpan.FromSeconds(Math.Max(0, boundary - Elapsed()));
            var finishedFirst = await Task.WhenAny(finished, Task.Delay(delay)) == finished;

            // Timers may fire up to a millisecond early; an interval must not end before its boundary.
            while (!finishedFirst && Elapsed() < boundary)
            {
                finishedFirst = await Task.WhenAny(finished, Task.Delay(1)) == finished;
            }

            var end = Elapsed();
            var totals = _metrics.ReadTotals();
            var (latency, service) = _metrics.TakeIntervalHistograms();
            var phase = previousEnd < _warmupSeconds - Epsilon ? "warmup"
                : previousEnd >= _measureEndSeconds - Epsilon ? "drain"
                : "measure";
            var sample = new IntervalSample
            {
                Index = index++,
                StartSeconds = Math.Round(previousEnd, 3),
                EndSeconds = Math.Round(end, 3),
                Phase = phase,
                TargetRate = _targetRateAt(((previousEnd + end) / 2) - _warmupSeconds),
                Arrivals = totals.Arrivals - previousTotals.Arrivals,
                Dropped = totals.Dropped - previousTotals.Dropped,
                Ok = totals.Ok - previousTotals.Ok,
                Errors = totals.Errors - previousTotals.Errors,
                ErrorsByCode = ByCode(Subtract(totals.ErrorsByCode, previousTotals.ErrorsByCode)),
                InFlightAtEnd = _metrics.InFlight,
                Latency = LatencySummary.From(latency),
                Service = LatencySummary.From(service),
            };
            _samples.Add(sample);
            if (phase == "measure" || (phase == "drain" && _drainIsMeasured))
            {
                OverallLatency.Add(latency);
                OverallService.Add(service);
                _measured = new Metrics.Totals(
                    _measured.Arrivals + sample.Arrivals,
                    _measured.Dropped + sample.Dropped,
                    _measured.Ok + sample.Ok,
                    Add(_measured.ErrorsByCode, Subtract(totals.ErrorsByCode, previousTotals.ErrorsByCode)));
            }

            _onInterval(sample);
            previousTotals = totals;
            previousEnd = end;
            if (finishedFirst)
            {
                return;
            }
        }
    }

    public static IReadOnlyDictionary<string, long> ByCode(long[] errors)
    {
        var result = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < errors.Length; i++)
        {
            if (errors[i] != 0)
            {
                result[i == Metrics.ScenarioCheckIndex ? Metrics.ScenarioCheck : ((StatusCode)i).ToString()] = errors[i];
            }
        }

        return result;
    }

    private static long[] Subtract(long[] a, long[] b)
    {
        var result = new long[a.Length];
        for (var i = 0; i < a.Length; i++)
        {
            result[i] = a[i] - (i < b.Length ? b[i] : 0);
        }

        return result;
    }

    private static long[] Add(long[] a, long[] b)
    {
        var result = new long[Math.Max(a.Length, b.Length)];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = (i < a.Length ? a[i] : 0) + (i < b.Length ? b[i] : 0);
        }

        return result;
    }

    private double NextBoundary(double previous)
    {
        var next = Math.Floor(previous + Epsilon) + 1;
        if (_warmupSeconds > previous + Epsilon && _warmupSeconds < next)
        {
            next = _warmupSeconds;
        }

        if (_measureEndSeconds > previous + Epsilon && _measureEndSeconds < next)
        {
            next = _measureEndSeconds;
        }

        return next;
    }

    private double Elapsed() => Stopwatch.GetElapsedTime(_startTimestamp).TotalSeconds;
}
