using ClearingHouse.Domain.Locations;
using ClearingHouse.Grains.Channels;
using Orleans.Concurrency;

namespace ClearingHouse.Grains.Locations;

/// <summary>One applied status change, as the feed of its CPO carries it.</summary>
[GenerateSerializer, Immutable]
public record struct FeedEvent
{
    /// <summary>The location's id.</summary>
    [Id(0)] public string LocationId { get; set; }

    /// <summary>The EVSE's uid.</summary>
    [Id(1)] public string EvseUid { get; set; }

    /// <summary>The new status.</summary>
    [Id(2)] public EvseStatus Status { get; set; }

    /// <summary>When it changed at the CPO (UTC ticks).</summary>
    [Id(3)] public long LastUpdatedTicks { get; set; }

    /// <summary>When the hub applied it (UTC ticks).</summary>
    [Id(4)] public long ReceivedTicks { get; set; }
}

/// <summary>A contiguous run of a CPO feed's events: <see cref="FirstSequence"/> is the first event's sequence.</summary>
[GenerateSerializer, Immutable]
public sealed record FeedBatch
{
    /// <summary>The CPO (text form).</summary>
    [Id(0)] public required string Cpo { get; init; }

    /// <summary>The feed's epoch (kept across activations); sequences of different epochs are unrelated.</summary>
    [Id(1)] public required string Epoch { get; init; }

    /// <summary>Sequence of Events[0]; the next events follow by one.</summary>
    [Id(2)] public required long FirstSequence { get; init; }

    /// <summary>The events.</summary>
    [Id(3)] public required FeedEvent[] Events { get; init; }

    /// <summary>When the feed sent it (UTC ticks), for retention.</summary>
    [Id(4)] public long PublishedTicks { get; init; }

    /// <summary>Sequence of the last event.</summary>
    public long LastSequence => FirstSequence + Events.Length - 1;
}

/// <summary>Where a feed is: its epoch and the sequence of its last event (0 when none yet).</summary>
[GenerateSerializer, Immutable]
public sealed record FeedPosition
{
    /// <summary>The feed activation's epoch.</summary>
    [Id(0)] public required string Epoch { get; init; }

    /// <summary>Sequence of the last published event.</summary>
    [Id(1)] public required long Head { get; init; }
}

/// <summary>What a replay returns.</summary>
[GenerateSerializer, Immutable]
public sealed record FeedReplay
{
    /// <summary>
    /// True when the events after the asked position are no longer retained (or the epoch differs):
    /// the subscriber must resync from a snapshot.
    /// </summary>
    [Id(0)] public bool ResyncRequired { get; init; }

    /// <summary>The retained batches after the asked position, trimmed to start just after it.</summary>
    [Id(1)] public FeedBatch[] Batches { get; init; } = [];

    /// <summary>The feed's position when replayed.</summary>
    [Id(2)] public required FeedPosition Position { get; init; }
}

/// <summary>A silo's subscription hub, pushed every batch of the CPO feeds it subscribed to.</summary>
public interface IStatusFeedObserver : IGrainObserver
{
    /// <summary>One batch of a feed (fire-and-forget; gaps are detected by sequence and replayed).</summary>
    [OneWay]
    Task OnBatch(FeedBatch batch);
}

/// <summary>
/// The feed of one CPO's status changes (key: the CPO's text form): it numbers applied changes,
/// keeps a bounded retention buffer (time and count) for resuming subscribers, and pushes each batch
/// to the silos that subscribed. Its position and retained events are written behind to the durable
/// store, so a new activation (on any silo, after its silo died or stopped) keeps the epoch and the
/// retention: cursors stay valid. A resync signal only for a cursor older than retention (or whose
/// feed state was lost).
/// </summary>
public interface IStatusFeedGrain : ISiloRegistryGrain<IStatusFeedObserver>
{
    /// <summary>Numbers and publishes applied changes; returns the sequence of the first.</summary>
    Task<long> Publish(FeedEvent[] events);

    /// <summary>Registers (or renews) a silo's observer and returns the feed's position: every batch after it reaches the observer.</summary>
    Task<FeedPosition> Subscribe(SiloAddress silo, IStatusFeedObserver observer);

    /// <summary>The retained events after <paramref name="afterSequence"/> of <paramref name="epoch"/>.</summary>
    Task<FeedReplay> Replay(string epoch, long afterSequence);
}
