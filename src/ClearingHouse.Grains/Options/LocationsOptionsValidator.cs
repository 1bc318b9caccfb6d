using Microsoft.Extensions.Options;

namespace ClearingHouse.Grains.Options;

/// <summary>Fails start-up on a <see cref="LocationsOptions"/> setting out of range, naming it.</summary>
public sealed class LocationsOptionsValidator : IValidateOptions<LocationsOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, LocationsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.StatusFlushInterval <= TimeSpan.Zero || options.StatusFlushInterval > TimeSpan.FromSeconds(30))
        {
            failures.Add("Locations:StatusFlushInterval must be between 0 and 30 seconds");
        }

        if (options.FeedRetention <= TimeSpan.Zero || options.FeedRetention > TimeSpan.FromHours(24))
        {
            failures.Add("Locations:FeedRetention must be between 0 and 24 hours");
        }

        if (options.FeedRetentionMaxEvents is < 1000 or > 10_000_000)
        {
            failures.Add("Locations:FeedRetentionMaxEvents must be between 1,000 and 10,000,000");
        }

        if (options.SubscriberQueueEvents is < 100 or > 10_000_000)
        {
            failures.Add("Locations:SubscriberQueueEvents must be between 100 and 10,000,000");
        }

        if (options.MaxClockSkew < TimeSpan.Zero || options.MaxClockSkew > TimeSpan.FromDays(1))
        {
            failures.Add("Locations:MaxClockSkew must be between 0 and 1 day");
        }

        if (options.MaxUpdatesPerMessage is < 1 or > 100_000)
        {
            failures.Add("Locations:MaxUpdatesPerMessage must be between 1 and 100,000");
        }

        if (options.StreamIdleTimeout <= TimeSpan.Zero)
        {
            failures.Add("Locations:StreamIdleTimeout must be positive");
        }

        if (options.SubscriptionRecheckInterval <= TimeSpan.Zero || options.SubscriptionRecheckInterval > TimeSpan.FromMinutes(5))
        {
            failures.Add("Locations:SubscriptionRecheckInterval must be between 0 and 5 minutes");
        }

        if (options.SnapshotCacheTtl < TimeSpan.Zero || options.SnapshotCacheTtl > TimeSpan.FromHours(1))
        {
            failures.Add("Locations:SnapshotCacheTtl must be between 0 and 1 hour");
        }

        if (options.MaxRejectedMessages < 1)
        {
            failures.Add("Locations:MaxRejectedMessages must be positive");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
