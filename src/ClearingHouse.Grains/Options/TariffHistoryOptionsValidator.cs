using Microsoft.Extensions.Options;

namespace ClearingHouse.Grains.Options;

/// <summary>Fails start-up on a <see cref="TariffHistoryOptions"/> setting out of range, naming it.</summary>
public sealed class TariffHistoryOptionsValidator : IValidateOptions<TariffHistoryOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TariffHistoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.DisputeWindow <= TimeSpan.Zero)
        {
            failures.Add("Tariffs:DisputeWindow must be positive");
        }

        if (options.HistoryRetention < options.DisputeWindow)
        {
            failures.Add($"Tariffs:HistoryRetention ({options.HistoryRetention}) must be at least Tariffs:DisputeWindow ({options.DisputeWindow})");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
