using System.Diagnostics;
using Grpc.Core;
using HdrHistogram;

namespace ClearingHouse.LoadTests.Engine;

/// <summary>
/// What the workers record, lock-free: latency from the intended send time (the headline figure,
/// free of coordinated omission), service time from the actual send, and counters. The reporter
/// reads it once per interval.
/// </summary>
public sealed class Metrics
{
    /// <summary>Latencies are recorded in microseconds, up to 10 minutes.</summary>
    public const long HighestMicros = 600_000_000;

    /// <summary>The error slot of a failure that is no gRPC status: a scenario's own check, a client-side exception.</summary>
    public const string ScenarioCheck = "ScenarioCheck";

    private static readonly int CodeCount = Enum.GetValues<StatusCode>().Max(c => (int)c) + 2; // + the ScenarioCheck slot

    /// <summary>The index of <see cref="ScenarioCheck"/> in <see cref="Totals.ErrorsByCode"/>.</summary>
    public static int ScenarioCheckIndex => CodeCount - 1;

    // The first message of each kind of error (a status code name, or ScenarioCheck), so a failed run says why.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _firstMessages = new(StringComparer.Ordinal);

    private readonly Recorder _latency = NewRecorder();
    private readonly Recorder _service = NewRecorder();
    private readonly long[] _errors = new long[CodeCount];
    // Outcomes attributed to the arrival's INTENDED time (open runs): the measured window counts exactly the calls that
    // arrived in it, however late they finish, so "ok" can never exceed arrivals (a warm-up call finishing in the
    // window is not the window's).
    private long _windowFrom = long.MaxValue;
    private long _windowTo = long.MinValue;
    private long _windowArrivals;
    private long _windowDropped;
    private long _windowOk;
    private readonly long[] _windowErrors = new long[CodeCount];
    private long _arrivals;
    private long _dropped;
    private long _ok;
    private long _inFlight;

    public long InFlight => Volatile.Read(ref _inFlight);

    public static HistogramBase NewHistogram() => new LongHistogram(1, HighestMicros, 3);

    /// <summary>Sets the measured window by intended arrival time (Stopwatch timestamps, end exclusive).</summary>
    public void SetMeasuredWindow(long fromTimestamp, long toTimestamp) => (_windowFrom, _windowTo) = (fromTimestamp, toTimestamp);

    /// <summary>Counts an arrival and takes an in-flight slot; false (and counted as dropped) when none is free.</summary>
    public bool TryAdmit(int maxInFlight, long intendedTimestamp = long.MinValue)
    {
        Interlocked.Increment(ref _arrivals);
        var inWindow = InWindow(intendedTimestamp);
        if (inWindow)
        {
            Interlocked.Increment(ref _windowArrivals);
        }

        if (Interlocked.Increment(ref _inFlight) > maxInFlight)
        {
            Interlocked.Decrement(ref _inFlight);
            Interlocked.Increment(ref _dropped);
            if (inWindow)
            {
                Interlocked.Increment(ref _windowDropped);
            }

            return false;
        }

        return true;
    }

    /// <summary>The outcomes of the arrivals intended inside the measured window; null when no window was set (closed runs).</summary>
    public Totals? ReadWindowTotals()
    {
        if (_windowFrom == long.MaxValue)
        {
            return null;
        }

        var errors = new long[CodeCount];
        for (var i = 0; i < CodeCount; i++)
        {
            errors[i] = Volatile.Read(ref _windowErrors[i]);
        }

        return new Totals(Volatile.Read(ref _windowArrivals), Volatile.Read(ref _windowDropped), Volatile.Read(ref _windowOk), errors);
    }

    private bool InWindow(long intendedTimestamp) => intendedTimestamp >= _windowFrom && intendedTimestamp < _windowTo;

    public void RecordSuccess(long intendedTimestamp, long startTimestamp, long endTimestamp)
    {
        _latency.RecordValue(ToMicros(endTimestamp - intendedTimestamp));
        _service.RecordValue(ToMicros(endTimestamp - startTimestamp));
        Interlocked.Increment(ref _ok);
        if (InWindow(intendedTimestamp))
        {
            Interlocked.Increment(ref _windowOk);
        }

        Interlocked.Decrement(ref _inFlight);
    }

    public void RecordFailure(StatusCode code, string? message = null, long intendedTimestamp = long.MinValue)
    {
        Interlocked.Increment(ref _errors[(int)code]);
        if (InWindow(intendedTimestamp))
        {
            Interlocked.Increment(ref _windowErrors[(int)code]);
        }

        Interlocked.Decrement(ref _inFlight);
        if (message is not null && !_firstMessages.ContainsKey(code.ToString()))
        {
            _firstMessages.TryAdd(code.ToString(), message);
        }
    }

    /// <summary>Counts a failure that is no gRPC status (a scenario's check threw), keeping the first message of it.</summary>
    public void RecordCheckFailure(Exception exception, long intendedTimestamp = long.MinValue)
    {
        ArgumentNullException.ThrowIfNull(exception);
        Interlocked.Increment(ref _errors[ScenarioCheckIndex]);
        if (InWindow(intendedTimestamp))
        {
            Interlocked.Increment(ref _windowErrors[ScenarioCheckIndex]);
        }

        Interlocked.Decrement(ref _inFlight);
        if (!_firstMessages.ContainsKey(ScenarioCheck))
        {
            _firstMessages.TryAdd(ScenarioCheck, $"{exception.GetType().Name}: {exception.Message}");
        }
    }

    /// <summary>The first message seen of each kind of error (by status code name, or <see cref="ScenarioCheck"/>).</summary>
    public IReadOnlyDictionary<string, string> FirstMessages => new SortedDictionary<string, string>(_firstMessages, StringComparer.Ordinal);

    /// <summary>Totals since the start, for the reporter to take differences of.</summary>
    public Totals ReadTotals()
    {
        var errors = new long[CodeCount];
        for (var i = 0; i < CodeCount; i++)
        {
            errors[i] = Volatile.Read(ref _errors[i]);
        }

        return new Totals(Volatile.Read(ref _arrivals), Volatile.Read(ref _dropped), Volatile.Read(ref _ok), errors);
    }

    /// <summary>The latencies recorded since the last call (and resets the interval).</summary>
    public (HistogramBase Latency, HistogramBase Service) TakeIntervalHistograms() =>
        (_latency.GetIntervalHistogram(), _service.GetIntervalHistogram());

    private static long ToMicros(long ticks) =>
        Math.Clamp(ticks * 1_000_000 / Stopwatch.Frequency, 1, HighestMicros);

    private static Recorder NewRecorder() =>
        new(1, HighestMicros, 3, (id, low, high, digits) => new LongConcurrentHistogram(id, low, high, digits));

    /// <summary>Counters since the start of a run.</summary>
    public sealed record Totals(long Arrivals, long Dropped, long Ok, long[] ErrorsByCode)
    {
        public long Errors => ErrorsByCode.Sum();
    }
}
