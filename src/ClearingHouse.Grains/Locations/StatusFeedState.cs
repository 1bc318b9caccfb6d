namespace ClearingHouse.Grains.Locations;

/// <summary>
/// The durable part of a CPO's status feed (grain state in the durable store): where the feed is, which of its
/// retained batches are written in which segment slot, and what a new activation must continue from. The retained
/// events themselves are in <see cref="StatusFeedSegment"/>s, one per flush, in a ring of slots per feed.
/// </summary>
[GenerateSerializer]
public sealed class StatusFeedState
{
    /// <summary>The feed's epoch, kept across activations (a new one only when this state is lost).</summary>
    [Id(0)] public string Epoch { get; set; } = "";

    /// <summary>The last sequence written to a segment (or the exact head after a clean deactivation).</summary>
    [Id(1)] public long Head { get; set; }

    /// <summary>Sequences up to here may have been handed out by the activation that wrote this: after a crash, the next one starts above.</summary>
    [Id(2)] public long ReservedUpTo { get; set; }

    /// <summary>True when the last activation deactivated cleanly after writing everything: the next continues at <see cref="Head"/>.</summary>
    [Id(3)] public bool Clean { get; set; }

    /// <summary>Events at or below this sequence are no longer retained: a cursor before it gets a resync.</summary>
    [Id(4)] public long RetainedFrom { get; set; }

    /// <summary>The written segments still within retention, oldest first.</summary>
    [Id(5)] public List<StatusFeedSegmentRef> Segments { get; set; } = [];

    /// <summary>The number of the next segment (its slot is this modulo the ring size).</summary>
    [Id(6)] public long NextSegment { get; set; }
}

/// <summary>One written segment of a feed.</summary>
[GenerateSerializer, Immutable]
public sealed record StatusFeedSegmentRef
{
    /// <summary>Its number (the slot is this modulo the ring size).</summary>
    [Id(0)] public long Number { get; init; }

    /// <summary>The sequence of its first event.</summary>
    [Id(1)] public long FirstSequence { get; init; }

    /// <summary>The sequence of its last event.</summary>
    [Id(2)] public long LastSequence { get; init; }

    /// <summary>When its last batch was published (UTC ticks), for retention.</summary>
    [Id(3)] public long PublishedTicks { get; init; }
}

/// <summary>
/// The batches a feed published between two flushes, as written to one slot, compacted: <see cref="Latest"/> holds
/// each EVSE's newest status of the segment once, and each batch's events are indexes into it. Replayed after a
/// restart, an event therefore carries its EVSE's newest status of that segment rather than the one it carried at
/// its sequence: subscribers follow the state of each EVSE, and end in the same state. A storm repeats the same
/// EVSEs many times a second, so the segment is bounded by the EVSEs that changed, not by the events: writing every
/// event cost status ingest about 40 % of its maximum rate.
/// </summary>
[GenerateSerializer]
public sealed class StatusFeedSegment
{
    /// <summary>The segment's number, to tell it from an older one in the same slot.</summary>
    [Id(0)] public long Number { get; set; }

    /// <summary>Uncompacted batches (segments written before compaction); empty otherwise.</summary>
    [Id(1)] public FeedBatch[] Batches { get; set; } = [];

    /// <summary>The newest event of each EVSE in the segment.</summary>
    [Id(2)] public FeedEvent[] Latest { get; set; } = [];

    /// <summary>The batches, in sequence order, their events as indexes into <see cref="Latest"/>.</summary>
    [Id(3)] public CompactedFeedBatch[] Compacted { get; set; } = [];

    /// <summary>Compacts <paramref name="batches"/> (contiguous, in sequence order) into a segment.</summary>
    public static StatusFeedSegment Compact(long number, IReadOnlyList<FeedBatch> batches)
    {
        // Names are interned by the feed, so one EVSE's events share their string instances: compare by reference
        // (an EVSE whose names were interned twice is kept twice, which costs space, never correctness).
        var slots = new Dictionary<(string, string), int>(ReferencePairComparer.Instance);
        var latest = new List<FeedEvent>();
        var compacted = new CompactedFeedBatch[batches.Count];
        for (var b = 0; b < batches.Count; b++)
        {
            var batch = batches[b];
            var index = new int[batch.Events.Length];
            for (var i = 0; i < index.Length; i++)
            {
                var ev = batch.Events[i];
                if (slots.TryGetValue((ev.LocationId, ev.EvseUid), out var slot))
                {
                    latest[slot] = ev; // later in sequence: newer
                }
                else
                {
                    slot = latest.Count;
                    slots.Add((ev.LocationId, ev.EvseUid), slot);
                    latest.Add(ev);
                }

                index[i] = slot;
            }

            compacted[b] = new CompactedFeedBatch { Epoch = batch.Epoch, FirstSequence = batch.FirstSequence, PublishedTicks = batch.PublishedTicks, Index = index };
        }

        return new StatusFeedSegment { Number = number, Latest = [.. latest], Compacted = compacted };
    }

    /// <summary>The segment's batches, expanded (each event its EVSE's newest of the segment).</summary>
    public IEnumerable<FeedBatch> Expand(string cpo)
    {
        foreach (var batch in Batches)
        {
            yield return batch;
        }

        foreach (var c in Compacted)
        {
            var events = new FeedEvent[c.Index.Length];
            for (var i = 0; i < events.Length; i++)
            {
                events[i] = Latest[c.Index[i]];
            }

            yield return new FeedBatch { Cpo = cpo, Epoch = c.Epoch, FirstSequence = c.FirstSequence, Events = events, PublishedTicks = c.PublishedTicks };
        }
    }

    private sealed class ReferencePairComparer : IEqualityComparer<(string, string)>
    {
        public static readonly ReferencePairComparer Instance = new();

        public bool Equals((string, string) x, (string, string) y) => ReferenceEquals(x.Item1, y.Item1) && ReferenceEquals(x.Item2, y.Item2);

        public int GetHashCode((string, string) obj) =>
            HashCode.Combine(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj.Item1), System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj.Item2));
    }
}

/// <summary>One batch of a compacted segment: its events are indexes into the segment's newest events.</summary>
[GenerateSerializer, Immutable]
public sealed record CompactedFeedBatch
{
    /// <summary>The feed's epoch.</summary>
    [Id(0)] public required string Epoch { get; init; }

    /// <summary>Sequence of the first event.</summary>
    [Id(1)] public required long FirstSequence { get; init; }

    /// <summary>When the feed sent it (UTC ticks), for retention.</summary>
    [Id(2)] public long PublishedTicks { get; init; }

    /// <summary>Per event, its index in <see cref="StatusFeedSegment.Latest"/>.</summary>
    [Id(3)] public required int[] Index { get; init; }
}
