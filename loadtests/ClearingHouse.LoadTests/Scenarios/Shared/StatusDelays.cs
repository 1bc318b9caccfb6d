using ClearingHouse.Contracts.V1;
using ClearingHouse.LoadTests.Hub;
using Grpc.Core;
using Grpc.Net.Client;
using HdrHistogram;

namespace ClearingHouse.LoadTests.Scenarios.Shared;

/// <summary>
/// The status scenarios' EMSP side: one <see cref="StatusDelaySubscriber"/> per EMSP, each on its own connection (as
/// separate MSPs would be), and the figures every status scenario reports from them (delivery and end-to-end delay over
/// the whole seconds of send time inside the measured window). A subscriber that fails makes every later arrival an
/// error (<see cref="ThrowIfFailed"/>), so <c>--max-error-rate 0</c> also gates delivery.
/// </summary>
public sealed class StatusDelays(Uri hub, TextWriter log) : IAsyncDisposable
{
    /// <summary>Delays are recorded in microseconds, up to 60 s.</summary>
    public const long MaxMicros = 60_000_000;

    /// <summary>The figure status scenarios gate with <c>--max-p99</c> (issue 3's target: the end-to-end delay).</summary>
    public const string P99Figure = "end-to-end delay p99 ms";

    private readonly CancellationTokenSource _stop = new();
    private readonly List<StatusDelaySubscriber> _subscribers = [];
    private readonly List<GrpcChannel> _channels = [];

    /// <summary>How many subscribers there are.</summary>
    public int Count => _subscribers.Count;

    /// <summary>Subscribes every EMSP and waits (at most 30 s: set-up is not measured) until each subscription is confirmed.</summary>
    public async Task SubscribeAsync(IEnumerable<TestCredential> emsps, CancellationToken cancellationToken)
    {
        foreach (var emsp in emsps)
        {
            var channel = ConnectionSet.CreateChannel(hub);
            _channels.Add(channel);
            _subscribers.Add(new StatusDelaySubscriber(emsp, new LocationService.LocationServiceClient(channel), _stop.Token));
        }

        try
        {
            await Task.WhenAll(_subscribers.Select(s => s.Subscribed)).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        }
        catch (Exception e) when (e is RpcException or TimeoutException)
        {
            throw HubErrors.Explain(e, hub, "LocationService.SubscribeStatus with the test EMSP's credential");
        }

        if (_subscribers.Count > 0)
        {
            await log.WriteLineAsync($"{_subscribers.Count} subscriber(s) subscribed at {hub}");
        }
    }

    /// <summary>Throws (Aborted, naming the subscriber) when a subscriber lost its stream.</summary>
    public void ThrowIfFailed()
    {
        foreach (var subscriber in _subscribers)
        {
            if (subscriber.Failure is { } failure)
            {
                throw new RpcException(new Status(StatusCode.Aborted, $"subscriber {subscriber.Party} failed: {failure}"));
            }
        }
    }

    /// <summary>
    /// Lets what is still on its way arrive: until every subscriber received <paramref name="expectedEach"/> events (when
    /// known: every update the hub answered as applied reaches every subscriber once), at most 30 s; when not known, until
    /// nothing new came for 1 s, at most 10 s.
    /// </summary>
    public async Task WaitUntilQuietAsync(long? expectedEach = null)
    {
        var quietSince = DateTime.UtcNow;
        var seen = _subscribers.Sum(s => s.Total);
        var until = DateTime.UtcNow.AddSeconds(expectedEach is null ? 10 : 30);
        while (_subscribers.Count > 0 && DateTime.UtcNow < until)
        {
            if (expectedEach is { } expected
                ? _subscribers.All(s => s.Total >= expected || s.Failure is not null)
                : DateTime.UtcNow - quietSince >= TimeSpan.FromSeconds(1))
            {
                return;
            }

            await Task.Delay(100, CancellationToken.None);
            var now = _subscribers.Sum(s => s.Total);
            if (now != seen)
            {
                (seen, quietSince) = (now, DateTime.UtcNow);
            }
        }
    }

    /// <summary>
    /// Whole seconds of send time inside the measured window: (first, last) as Unix-epoch-based tick seconds
    /// (<see cref="DateTime.Ticks"/> / <see cref="TimeSpan.TicksPerSecond"/>), and how many there are.
    /// </summary>
    public static (long First, long Last, long Seconds) Window(DateTime measuredFromUtc, DateTime measuredToUtc)
    {
        var first = (measuredFromUtc.Ticks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond;
        var last = (measuredToUtc.Ticks / TimeSpan.TicksPerSecond) - 1;
        return (first, last, Math.Max(1, last - first + 1));
    }

    /// <summary>
    /// Delivery and delay figures for <paramref name="sent"/> updates sent in the window's whole seconds (call
    /// <see cref="WaitUntilQuietAsync"/> first): delivered events/s, the smallest share a subscriber received, subscriber
    /// errors, resyncs, overflows, and end-to-end delay p50/p90/p99/max with the send-to-hub-receipt p99.
    /// </summary>
    public async Task AddFiguresAsync(IDictionary<string, double> figures, long sent, long first, long last, long seconds)
    {
        var delay = new LongHistogram(1, MaxMicros, 3);
        var hubDelay = new LongHistogram(1, MaxMicros, 3);
        long delivered = 0;
        var delivery = new List<double>();
        foreach (var subscriber in _subscribers)
        {
            var (count, d, h) = subscriber.In(first, last);
            delivered += count;
            delay.Add(d);
            hubDelay.Add(h);
            delivery.Add(sent > 0 ? (double)count / sent : 0);
        }

        foreach (var subscriber in _subscribers.Where(s => s.Failure is not null))
        {
            await log.WriteLineAsync($"subscriber {subscriber.Party} failed: {subscriber.Failure}");
        }

        figures["delivered events/s (all subscribers)"] = Math.Round((double)delivered / seconds, 1);
        figures["subscribers"] = _subscribers.Count;
        figures["min share of sent updates delivered to a subscriber"] = delivery.Count > 0 ? Math.Round(delivery.Min(), 5) : 0;
        figures["subscriber errors"] = _subscribers.Count(s => s.Failure is not null);
        figures["subscriber resync signals"] = _subscribers.Sum(s => s.Resyncs);
        figures["subscriber overflows (cut as too slow, resumed)"] = _subscribers.Sum(s => s.Overflows);
        if (delay.TotalCount > 0)
        {
            figures["end-to-end delay p50 ms"] = delay.GetValueAtPercentile(50) / 1000.0;
            figures["end-to-end delay p90 ms"] = delay.GetValueAtPercentile(90) / 1000.0;
            figures[P99Figure] = delay.GetValueAtPercentile(99) / 1000.0;
            figures["end-to-end delay max ms"] = delay.GetMaxValue() / 1000.0;
            figures["send to hub receipt p99 ms"] = hubDelay.GetValueAtPercentile(99) / 1000.0;
        }
    }

    /// <summary>Ends the subscriptions (their final status is of no interest) and closes their connections.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_subscribers.Select(s => s.Completion)).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception)
        {
            // The subscriptions end with the run; their status is of no interest.
        }

        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        _stop.Dispose();
    }
}
