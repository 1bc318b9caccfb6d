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

/// <summary>The batches a feed published between two flushes, as written to one slot.</summary>
[GenerateSerializer]
public sealed class StatusFeedSegment
{
    /// <summary>The segment's number, to tell it from an older one in the same slot.</summary>
    [Id(0)] public long Number { get; set; }

    /// <summary>The batches, in sequence order.</summary>
    [Id(1)] public FeedBatch[] Batches { get; set; } = [];
}
