using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using ClearingHouse.Application.Tokens;
using ClearingHouse.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace ClearingHouse.Benchmarks.Tokens;

/// <summary>
/// The per-call pieces issue 18 changed on the Authorize hot path, old way against new way: the reference
/// (<c>Guid.CreateVersion7</c>, a getrandom system call on Linux, against <see cref="AuthorizationReferences.New"/>,
/// linked from the Application project), the decision counter (a counter update with two tags against an
/// interlocked increment read by an observable counter; both beside the duration histogram, with a listener
/// aggregating as an exporter would), and the response's token (a new message per call against one reused message).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class AuthorizeHotPathBenchmarks : IDisposable
{
    private static readonly KeyValuePair<string, object?> Allowed = new("allowed", "ALLOWED");
    private static readonly KeyValuePair<string, object?> Source = new("source", "HUB_COPY");

    private readonly Meter _meter = new("ClearingHouse.Benchmarks.Authorize");
    private readonly long[] _decisions = new long[64];
    private MeterListener _listener = null!;
    private Counter<long> _counter = null!;
    private Histogram<double> _histogram = null!;
    private long _sink;
    private Token _shared = null!;

    [GlobalSetup]
    public void Setup()
    {
        _counter = _meter.CreateCounter<long>("authorizations");
        _histogram = _meter.CreateHistogram<double>("authorization.duration");
        _meter.CreateObservableCounter("authorizations.observed", () => new Measurement<long>(Volatile.Read(ref _decisions[9]), Allowed, Source));
        _listener = new MeterListener { InstrumentPublished = (i, l) => { if (i.Meter == _meter) l.EnableMeasurementEvents(i); } };
        _listener.SetMeasurementEventCallback<long>((_, v, tags, _) => _sink += v + tags.Length);
        _listener.SetMeasurementEventCallback<double>((_, v, tags, _) => _sink += (long)v + tags.Length);
        _listener.Start();
        _shared = NewToken();
    }

    /// <summary>Before: a UUIDv7 from the runtime (CSPRNG bytes per call).</summary>
    [Benchmark(Baseline = true)]
    public string ReferenceGuidV7() => Guid.CreateVersion7().ToString("N");

    /// <summary>After: the same shape from a per-thread generator.</summary>
    [Benchmark]
    public string ReferenceHub() => AuthorizationReferences.New(DateTimeOffset.UtcNow);

    /// <summary>Before: counter and histogram, two tags each.</summary>
    [Benchmark]
    public void MetricsCounterAndHistogram()
    {
        _counter.Add(1, Allowed, Source);
        _histogram.Record(0.001, Allowed, Source);
    }

    /// <summary>After: an interlocked increment (read at collection) and the histogram.</summary>
    [Benchmark]
    public void MetricsObservedAndHistogram()
    {
        Interlocked.Increment(ref _decisions[9]);
        _histogram.Record(0.001, Allowed, Source);
    }

    /// <summary>Before: the response with a new token message, serialized.</summary>
    [Benchmark]
    public int ResponseNewToken() => Response(NewToken()).CalculateSize();

    /// <summary>After: the response with the token message reused, serialized.</summary>
    [Benchmark]
    public int ResponseSharedToken() => Response(_shared).CalculateSize();

    /// <inheritdoc />
    public void Dispose()
    {
        _listener?.Dispose();
        _meter.Dispose();
        GC.SuppressFinalize(this);
    }

    private static AuthorizeResponse Response(Token token) => new()
    {
        Source = DecisionSource.HubCopy,
        Authorization = new AuthorizationInfo { Allowed = AllowedType.Allowed, AuthorizationReference = "0190a1b2c3d47e5f8a9b0c1d2e3f4a5b", Token = token },
    };

    private static Token NewToken() => new()
    {
        CountryCode = "DE", PartyId = "XYZ", Uid = "04A1B2C3D4E5F6", Type = TokenType.Rfid, ContractId = "DE-XYZ-C12345678-9",
        Issuer = "Xyz Mobility", Valid = true, Whitelist = WhitelistType.Always, LastUpdated = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero)),
    };
}
