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

    /// <summary>What is wrong with these options, or null.</summary>
    public string? Validate()
    {
        if (StuckAfter < TimeSpan.FromSeconds(1) || StuckAfter > TimeSpan.FromDays(30))
        {
            return "Sessions:StuckAfter must be between 1 second and 30 days";
        }

        if (SubscriptionPollInterval < TimeSpan.FromMilliseconds(50) || SubscriptionPollInterval > TimeSpan.FromMinutes(1))
        {
            return "Sessions:SubscriptionPollInterval must be between 50 ms and 1 minute";
        }

        if (SubscriptionBatchSize is < 1 or > 10_000)
        {
            return "Sessions:SubscriptionBatchSize must be between 1 and 10000";
        }

        return FeedRegistrationPeriod < TimeSpan.FromMilliseconds(100) ? "Sessions:FeedRegistrationPeriod must be at least 100 ms" : null;
    }
}
