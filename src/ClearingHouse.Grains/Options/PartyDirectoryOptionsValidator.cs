using Microsoft.Extensions.Options;

namespace ClearingHouse.Grains.Options;

/// <summary>Fails start-up on a <see cref="PartyDirectoryOptions"/> setting out of range, naming it.</summary>
public sealed class PartyDirectoryOptionsValidator : IValidateOptions<PartyDirectoryOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, PartyDirectoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.RefreshInterval <= TimeSpan.Zero || options.RefreshInterval > TimeSpan.FromMinutes(1))
        {
            failures.Add("Directory:RefreshInterval must be between 0 and 1 minute");
        }

        if (options.RefreshWait <= TimeSpan.Zero || options.RefreshWait > TimeSpan.FromSeconds(10))
        {
            failures.Add("Directory:RefreshWait must be between 0 and 10 seconds");
        }

        if (options.MaxStaleness < options.RefreshInterval || options.MaxStaleness > TimeSpan.FromMinutes(10))
        {
            failures.Add("Directory:MaxStaleness must be between Directory:RefreshInterval and 10 minutes");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
