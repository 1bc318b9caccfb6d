using Microsoft.Extensions.Options;

namespace ClearingHouse.Grains.Options;

/// <summary>Fails start-up on a <see cref="TokensOptions"/> setting out of range, naming it.</summary>
public sealed class TokensOptionsValidator : IValidateOptions<TokensOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TokensOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!Positive(options.HubCopyMaxAge, TimeSpan.FromHours(1)))
        {
            failures.Add("Tokens:HubCopyMaxAge must be between 0 and 1 hour");
        }

        if (!Positive(options.DefaultMspDeadline, TimeSpan.FromSeconds(30)) || options.MspDeadlines.Values.Any(d => !Positive(d, TimeSpan.FromSeconds(30))))
        {
            failures.Add("Tokens:DefaultMspDeadline and Tokens:MspDeadlines:* must be between 0 and 30 seconds");
        }

        if (options.ChannelQueueCapacity is < 1 or > 100_000 || options.MaxUnknownAnswersPerSecond < 1
            || options.AuthorizationBatchSize is < 1 or > 100_000 || options.UploadBatchSize is < 1 or > 100_000)
        {
            failures.Add("Tokens:ChannelQueueCapacity, AuthorizationBatchSize, UploadBatchSize (1..100000) and MaxUnknownAnswersPerSecond (>= 1) are out of range");
        }

        if (!Positive(options.RedisCacheTtl, TimeSpan.FromDays(7)))
        {
            failures.Add("Tokens:RedisCacheTtl must be between 0 and 7 days");
        }

        if (options.ChannelRegistrationPeriod < TimeSpan.FromMilliseconds(100))
        {
            failures.Add("Tokens:ChannelRegistrationPeriod must be at least 100 ms");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool Positive(TimeSpan value, TimeSpan max) => value > TimeSpan.Zero && value <= max;
}
