using Microsoft.Extensions.Options;

namespace ClearingHouse.Application.Settlement;

/// <summary>Fails start-up on a <see cref="SettlementOptions"/> setting out of range, naming it.</summary>
public sealed class SettlementOptionsValidator : IValidateOptions<SettlementOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SettlementOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.MaxPeriodDays is < 1 or > 3660)
        {
            failures.Add("Settlement:MaxPeriodDays must be between 1 and 3660");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
