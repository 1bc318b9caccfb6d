using ClearingHouse.Application.Diagnostics;
using System.Diagnostics.Metrics;

namespace ClearingHouse.Application.Locations;

/// <summary>Instruments of status routing, on the hub's one meter.</summary>
public sealed class LocationMetrics
{
    /// <summary>Status updates received, tagged <c>outcome</c> (accepted, stale, rejected).</summary>
    public const string StatusUpdates = "clearinghouse.status.updates";

    /// <summary>Status events written to subscribers.</summary>
    public const string EventsDelivered = "clearinghouse.status.events_delivered";

    /// <summary>Subscribers cut because their bounded queue overflowed.</summary>
    public const string SubscriberOverflows = "clearinghouse.status.subscriber_overflows";

    /// <summary>Open status subscriptions on this silo.</summary>
    public const string Subscribers = "clearinghouse.status.subscribers";

    /// <summary>Resync signals sent (cursor older than retention, or feed restarted).</summary>
    public const string Resyncs = "clearinghouse.status.resyncs";

    /// <summary>GetLocation reads by snapshot cache result (<c>result</c>: hit, miss, bypass).</summary>
    public const string SnapshotCacheReads = "clearinghouse.locations.snapshot_cache_reads";

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
        _updates = meter.CreateCounter<long>(StatusUpdates, unit: "{update}", description: "EVSE status updates received");
        _delivered = meter.CreateCounter<long>(EventsDelivered, unit: "{event}", description: "Status events written to subscribers");
        _overflows = meter.CreateCounter<long>(SubscriberOverflows, unit: "{subscriber}", description: "Subscribers cut because their queue overflowed");
        _subscribers = meter.CreateUpDownCounter<long>(Subscribers, unit: "{subscriber}", description: "Open status subscriptions");
        _snapshotReads = meter.CreateCounter<long>(SnapshotCacheReads, unit: "{read}", description: "GetLocation reads by snapshot cache result");
        _resyncs = meter.CreateCounter<long>(Resyncs, unit: "{signal}", description: "Resync signals sent to subscribers");
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
