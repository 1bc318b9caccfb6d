namespace ClearingHouse.Grains.Options;

/// <summary>Locations and status routing, bound from configuration section <c>Locations</c>.</summary>
public sealed record LocationsOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Locations";

    /// <summary>
    /// The write-behind bound of EVSE statuses: an accepted status is in the durable store at most this long after it
    /// was acknowledged (the store is written every half of it, leaving the other half for the write), so a crash loses
    /// only statuses acknowledged within this last interval. Default 1 s; at most 30 s. Status feeds write their
    /// retained events once per interval.
    /// </summary>
    public TimeSpan StatusFlushInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a CPO feed keeps events for resuming subscribers. Default 5 minutes.</summary>
    public TimeSpan FeedRetention { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How many events a CPO feed keeps at most for resuming subscribers. Default 200,000.</summary>
    public int FeedRetentionMaxEvents { get; init; } = 200_000;

    /// <summary>
    /// How many events may wait for one subscriber. When a batch would exceed it the subscriber is cut
    /// with ResourceExhausted (it resumes with its last cursor). Default 50,000.
    /// </summary>
    public int SubscriberQueueEvents { get; init; } = 50_000;

    /// <summary>How far in the future a <c>last_updated</c> may be (clock skew). Default 5 minutes.</summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Most updates in one status stream message. Default 1,000.</summary>
    public int MaxUpdatesPerMessage { get; init; } = 1000;

    /// <summary>A status stream that sends nothing for this long is cut with DeadlineExceeded. Default 60 s.</summary>
    public TimeSpan StreamIdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Rejected messages after which a status stream is cut as garbage. Default 1,000.</summary>
    public int MaxRejectedMessages { get; init; } = 1000;

    /// <summary>
    /// How often each silo re-checks subscriptions that named no CPO against the directory, so a
    /// CPO whose agreement starts after the EMSP subscribed is taken on without a new call. Default 1 s.
    /// </summary>
    public TimeSpan SubscriptionRecheckInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Cluster profile: how long GetLocation's snapshot of a location stays in Redis (default 5 s;
    /// zero turns the cache off). Statuses read through GetLocation are at most this old; writes
    /// to a location drop its snapshot.
    /// </summary>
    public TimeSpan SnapshotCacheTtl { get; init; } = TimeSpan.FromSeconds(5);
}
