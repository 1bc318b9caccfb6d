using ClearingHouse.Domain.Tariffs;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Application.Cdrs;

/// <summary>Fails start-up on a <see cref="CdrOptions"/> setting out of range, naming it.</summary>
public sealed class CdrOptionsValidator : IValidateOptions<CdrOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, CdrOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.PriceTolerance < 0)
        {
            failures.Add("Cdrs:PriceTolerance must not be negative");
        }

        foreach (var (currency, tolerance) in options.CurrencyTolerances)
        {
            if (!TariffValidator.IsKnownCurrency(currency))
            {
                failures.Add($"Cdrs:CurrencyTolerances:{currency} names no known ISO 4217 currency");
            }

            if (tolerance < 0)
            {
                failures.Add($"Cdrs:CurrencyTolerances:{currency} must not be negative");
            }
        }

        if (options.EnergyToleranceKwh < 0 || options.TimeToleranceHours < 0)
        {
            failures.Add("Cdrs:EnergyToleranceKwh and Cdrs:TimeToleranceHours must not be negative");
        }

        if (options.MaxBatchSize is < 1 or > 10_000)
        {
            failures.Add("Cdrs:MaxBatchSize must be between 1 and 10000");
        }

        if (options.SubscriberBatchSize is < 1 or > 1000)
        {
            failures.Add("Cdrs:SubscriberBatchSize must be between 1 and 1000");
        }

        if (options.SubscriberQueueCdrs < options.SubscriberBatchSize)
        {
            failures.Add("Cdrs:SubscriberQueueCdrs must be at least Cdrs:SubscriberBatchSize");
        }

        if (options.SubscriberStallTimeout <= TimeSpan.Zero)
        {
            failures.Add("Cdrs:SubscriberStallTimeout must be positive");
        }

        if (options.SubscriberPollInterval <= TimeSpan.Zero)
        {
            failures.Add("Cdrs:SubscriberPollInterval must be positive");
        }

        if (options.LocationTimeZoneTtl < TimeSpan.Zero)
        {
            failures.Add("Cdrs:LocationTimeZoneTtl must not be negative");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
