using Microsoft.Extensions.Options;

namespace ClearingHouse.Grains.Options;

/// <summary>Fails start-up on a <see cref="SessionsOptions"/> setting out of range, naming it.</summary>
public sealed class SessionsOptionsValidator : IValidateOptions<SessionsOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SessionsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.StuckAfter < TimeSpan.FromSeconds(1) || options.StuckAfter > TimeSpan.FromDays(30))
        {
            failures.Add("Sessions:StuckAfter must be between 1 second and 30 days");
        }

        if (options.SubscriptionPollInterval < TimeSpan.FromMilliseconds(50) || options.SubscriptionPollInterval > TimeSpan.FromMinutes(1))
        {
            failures.Add("Sessions:SubscriptionPollInterval must be between 50 ms and 1 minute");
        }

        if (options.SubscriptionBatchSize is < 1 or > 10_000)
        {
            failures.Add("Sessions:SubscriptionBatchSize must be between 1 and 10000");
        }

        if (options.FeedRegistrationPeriod < TimeSpan.FromMilliseconds(100))
        {
            failures.Add("Sessions:FeedRegistrationPeriod must be at least 100 ms");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
