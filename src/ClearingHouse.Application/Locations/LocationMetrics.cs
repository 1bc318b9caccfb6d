using ClearingHouse.Application.Diagnostics;
using System.Diagnostics.Metrics;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Diagnostics;

namespace ClearingHouse.Application.Locations;

/// <summary>Instruments of status routing, on the hub's one meter.</summary>
public sealed class LocationMetrics
{
    private static readonly KeyValuePair<string, object?> Accepted = new("outcome", "accepted");
    private static readonly KeyValuePair<string, object?> Stale = new("outcome", "stale");
    private static readonly KeyValuePair<string, object?> Rejected = new("outcome", "rejected");

    private readonly Counter<long> _updates;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _overflows;
    private readonly UpDownCounter<long> _subscribers;
    private readonly Counter<long> _snapshotReads;
    private readonly Counter<long> _resyncs;
    private readonly Histogram<double> _deliveryDelay;
    private readonly HubClock _clock;
    private readonly QueueMetrics _queues;

    /// <summary>Creates the instruments; every fixed tag combination starts at 0.</summary>
    public LocationMetrics(IMeterFactory meterFactory, HubClock clock, QueueMetrics queues)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(queues);
        _clock = clock;
        _queues = queues;
        var meter = meterFactory.Create(HubMetrics.MeterName);
        _updates = meter.CreateCounter<long>(InstrumentNames.StatusUpdates, unit: "{update}", description: "EVSE status updates received");
        _delivered = meter.CreateCounter<long>(InstrumentNames.StatusEventsDelivered, unit: "{event}", description: "Status events written to subscribers");
        _overflows = meter.CreateCounter<long>(InstrumentNames.StatusSubscriberOverflows, unit: "{subscriber}", description: "Subscribers cut because their queue overflowed");
        _subscribers = meter.CreateUpDownCounter<long>(InstrumentNames.StatusSubscribers, unit: "{subscriber}", description: "Open status subscriptions");
        _snapshotReads = meter.CreateCounter<long>(InstrumentNames.LocationSnapshotCacheReads, unit: "{read}", description: "GetLocation reads by snapshot cache result");
        _resyncs = meter.CreateCounter<long>(InstrumentNames.StatusResyncs, unit: "{signal}", description: "Resync signals sent to subscribers");
        _deliveryDelay = meter.CreateHistogram(InstrumentNames.StatusDeliveryDelay, unit: "s", description: "Time from the hub accepting a status to its message being written to a subscriber (oldest status of each message)", advice: HubMetrics.LatencyBuckets);
        foreach (var outcome in (ReadOnlySpan<KeyValuePair<string, object?>>)[Accepted, Stale, Rejected])
        {
            _updates.Add(0, outcome);
        }

        _delivered.Add(0);
        _overflows.Add(0);
        _subscribers.Add(0);
        _resyncs.Add(0);
        foreach (var result in (ReadOnlySpan<string>)["hit", "miss", "bypass"])
        {
            _snapshotReads.Add(0, new KeyValuePair<string, object?>("result", result));
        }
    }

    /// <summary>Counts the outcome of one stream message.</summary>
    public void Updates(int accepted, int stale, int rejected)
    {
        if (accepted > 0)
        {
            _updates.Add(accepted, Accepted);
        }

        if (stale > 0)
        {
            _updates.Add(stale, Stale);
        }

        if (rejected > 0)
        {
            _updates.Add(rejected, Rejected);
        }
    }

    /// <summary>Counts delivered events.</summary>
    public void Delivered(int count) => _delivered.Add(count);

    /// <summary>
    /// Records the end-to-end delay of a message just written to a subscriber: from when the hub accepted its oldest
    /// status (<paramref name="oldestReceivedTicks"/>, UTC ticks on the hub's clock) to now. One sample per message,
    /// not per status, so a batch of a thousand costs one recording.
    /// </summary>
    public void DeliveryDelay(long oldestReceivedTicks) =>
        _deliveryDelay.Record(Math.Max(0, _clock.UtcNow.UtcTicks - oldestReceivedTicks) / (double)TimeSpan.TicksPerSecond);

    /// <summary>Counts a subscriber cut for overflow (once, when its call ends).</summary>
    public void Overflow() => _overflows.Add(1);

    /// <summary>Counts the events a subscriber's full queue refused.</summary>
    public void Dropped(int events) => _queues.Dropped(HubQueue.StatusSubscriber, events);

    /// <summary>Tracks open subscriptions.</summary>
    public void SubscriberOpened() => _subscribers.Add(1);

    /// <summary>Tracks open subscriptions.</summary>
    public void SubscriberClosed() => _subscribers.Add(-1);

    /// <summary>Counts resync signals.</summary>
    public void Resync(int count) => _resyncs.Add(count);

    /// <summary>Counts a GetLocation read by cache result (hit, miss, bypass).</summary>
    public void SnapshotCache(string result) => _snapshotReads.Add(1, new KeyValuePair<string, object?>("result", result));
}
