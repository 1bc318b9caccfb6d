using Microsoft.Extensions.Options;

namespace ClearingHouse.Grains.Options;

/// <summary>Fails start-up on a <see cref="CommandsOptions"/> setting out of range, naming it.</summary>
public sealed class CommandsOptionsValidator : IValidateOptions<CommandsOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, CommandsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.ResponseTimeout <= TimeSpan.Zero || options.ResponseTimeout > TimeSpan.FromSeconds(60))
        {
            failures.Add("Commands:ResponseTimeout must be between 0 and 60 seconds");
        }

        if (options.DefaultResultTimeout <= TimeSpan.Zero || options.MaxResultTimeout < options.DefaultResultTimeout || options.MaxResultTimeout > TimeSpan.FromHours(1))
        {
            failures.Add("Commands:DefaultResultTimeout must be positive and at most Commands:MaxResultTimeout (at most 1 hour)");
        }

        if (options.ChannelQueueCapacity is < 1 or > 100_000 || options.MaxUnknownMessagesPerSecond < 1)
        {
            failures.Add("Commands:ChannelQueueCapacity (1..100000) and MaxUnknownMessagesPerSecond (>= 1) are out of range");
        }

        if (options.ChannelRegistrationPeriod < TimeSpan.FromMilliseconds(100))
        {
            failures.Add("Commands:ChannelRegistrationPeriod must be at least 100 ms");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
