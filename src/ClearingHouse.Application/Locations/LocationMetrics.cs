using ClearingHouse.Application.Diagnostics;
using System.Diagnostics.Metrics;

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

    /// <summary>Creates the instruments.</summary>
    public LocationMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(HubMetrics.MeterName);
        _updates = meter.CreateCounter<long>(InstrumentNames.StatusUpdates, unit: "{update}", description: "EVSE status updates received");
        _delivered = meter.CreateCounter<long>(InstrumentNames.StatusEventsDelivered, unit: "{event}", description: "Status events written to subscribers");
        _overflows = meter.CreateCounter<long>(InstrumentNames.StatusSubscriberOverflows, unit: "{subscriber}", description: "Subscribers cut because their queue overflowed");
        _subscribers = meter.CreateUpDownCounter<long>(InstrumentNames.StatusSubscribers, unit: "{subscriber}", description: "Open status subscriptions");
        _snapshotReads = meter.CreateCounter<long>(InstrumentNames.LocationSnapshotCacheReads, unit: "{read}", description: "GetLocation reads by snapshot cache result");
        _resyncs = meter.CreateCounter<long>(InstrumentNames.StatusResyncs, unit: "{signal}", description: "Resync signals sent to subscribers");
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

    /// <summary>Counts a subscriber cut for overflow.</summary>
    public void Overflow() => _overflows.Add(1);

    /// <summary>Tracks open subscriptions.</summary>
    public void SubscriberOpened() => _subscribers.Add(1);

    /// <summary>Tracks open subscriptions.</summary>
    public void SubscriberClosed() => _subscribers.Add(-1);

    /// <summary>Counts resync signals.</summary>
    public void Resync(int count) => _resyncs.Add(count);

    /// <summary>Counts a GetLocation read by cache result (hit, miss, bypass).</summary>
    public void SnapshotCache(string result) => _snapshotReads.Add(1, new KeyValuePair<string, object?>("result", result));
}
