using Microsoft.Extensions.Options;

namespace ClearingHouse.Application.Operations;

/// <summary>Fails start-up on an <see cref="OpsOptions"/> setting out of range, naming it.</summary>
public sealed class OpsOptionsValidator : IValidateOptions<OpsOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, OpsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.StaleStatusAfter <= TimeSpan.Zero)
        {
            failures.Add("Ops:StaleStatusAfter must be positive");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
