namespace ClearingHouse.Grains.Options;

/// <summary>Sessions, bound from section <c>Sessions</c>.</summary>
public sealed class SessionsOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Sessions";

    /// <summary>A PENDING or ACTIVE session that receives no update for this long is stuck.</summary>
    public TimeSpan StuckAfter { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How often a subscription reads the store even when no change was signalled (a lost signal only delays an event this long).</summary>
    public TimeSpan SubscriptionPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Sessions a subscription reads from the store at a time.</summary>
    public int SubscriptionBatchSize { get; set; } = 500;

    /// <summary>How often a silo re-registers its subscribers with each party's feed grain.</summary>
    public TimeSpan FeedRegistrationPeriod { get; set; } = TimeSpan.FromSeconds(10);
}
