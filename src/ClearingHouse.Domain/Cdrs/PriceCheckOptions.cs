using ClearingHouse.Domain.Settlement;

namespace ClearingHouse.Domain.Cdrs;

/// <summary>
/// How closely a CDR's declared figures must agree with the hub's price (<see cref="CdrPriceCheck.Check(Tariffs.CompiledTariff, Tariffs.Cdr, TimeZoneInfo, PriceCheckOptions?)"/>).
/// Bindable from configuration (for example a <c>Cdrs:PriceCheck</c> section); <see cref="Default"/> when nothing is set.
/// </summary>
/// <remarks>
/// Every figure is compared on its own: a declared amount that differs from the hub's by more than the tolerance is a
/// difference, an amount exactly at the tolerance is not. Money tolerances are in the CDR's currency and apply to each
/// cost (total and per component, excl. and incl. VAT) separately, so a wrong split of a right total is caught. The
/// default money tolerance is one minor unit of the currency (0.01 EUR, 1 JPY, 0.001 KWD: see
/// <see cref="StatementTotals.MinorUnits"/>), which absorbs a CPO's rounding to its currency's cents but no real error.
/// </remarks>
public sealed record PriceCheckOptions
{
    /// <summary>The defaults: one minor unit per currency, 1 Wh of energy, 3.6 s of time.</summary>
    public static PriceCheckOptions Default { get; } = new();

    /// <summary>
    /// The money tolerance for a currency not in <see cref="CurrencyTolerances"/>; null (the default) means one minor
    /// unit of that currency.
    /// </summary>
    public decimal? DefaultTolerance { get; init; }

    /// <summary>Money tolerances by ISO 4217 code (for example <c>{"EUR": 0.05}</c>), overriding <see cref="DefaultTolerance"/>.</summary>
    public IReadOnlyDictionary<string, decimal> CurrencyTolerances { get; init; } = new Dictionary<string, decimal>(StringComparer.Ordinal);

    /// <summary>Tolerance on <c>total_energy</c>, in kWh; default 0.001 (1 Wh).</summary>
    public decimal EnergyToleranceKwh { get; init; } = 0.001m;

    /// <summary>Tolerance on <c>total_time</c> and <c>total_parking_time</c>, in hours; default 0.001 (3.6 s).</summary>
    public decimal TimeToleranceHours { get; init; } = 0.001m;

    /// <summary>Whether the cost components (energy, time, parking, fixed, reservation) are compared, not only <c>total_cost</c>; default true.</summary>
    public bool CompareComponents { get; init; } = true;

    /// <summary>
    /// Whether a cost component the CDR leaves out (OCPI makes <c>total_energy_cost</c>, <c>total_time_cost</c>,
    /// <c>total_parking_cost</c>, <c>total_fixed_cost</c> and <c>total_reservation_cost</c> optional) counts as a declared
    /// 0, so a hub cost it omits is a difference (default true); false compares only the components the CDR declares.
    /// The hub's CDR ingest uses false unless <c>Cdrs:CompareOmittedCosts</c> is set: a CPO that sends no breakdown is
    /// then checked on its total and volumes, not flagged for leaving optional fields out.
    /// </summary>
    public bool OmittedCostsCountAsZero { get; init; } = true;

    /// <summary>Whether the volumes (<c>total_energy</c>, <c>total_time</c>, <c>total_parking_time</c>) are compared; default true.</summary>
    public bool CompareVolumes { get; init; } = true;

    /// <summary>The money tolerance for <paramref name="currency"/>.</summary>
    public decimal ToleranceFor(string currency)
    {
        ArgumentNullException.ThrowIfNull(currency);
        if (CurrencyTolerances.TryGetValue(currency, out var tolerance))
        {
            return tolerance;
        }

        return DefaultTolerance ?? OneMinorUnit(currency);
    }

    /// <summary>What is wrong with these options (negative tolerances, malformed currency codes); empty when usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (DefaultTolerance < 0)
        {
            errors.Add("DefaultTolerance must not be negative.");
        }

        foreach (var (currency, tolerance) in CurrencyTolerances)
        {
            if (!Tariffs.TariffValidator.IsKnownCurrency(currency))
            {
                errors.Add($"CurrencyTolerances: '{currency}' is not a known ISO 4217 code.");
            }

            if (tolerance < 0)
            {
                errors.Add($"CurrencyTolerances:{currency} must not be negative.");
            }
        }

        if (EnergyToleranceKwh < 0)
        {
            errors.Add("EnergyToleranceKwh must not be negative.");
        }

        if (TimeToleranceHours < 0)
        {
            errors.Add("TimeToleranceHours must not be negative.");
        }

        return errors;
    }

    private static decimal OneMinorUnit(string currency) => StatementTotals.MinorUnits(currency) switch
    {
        0 => 1m,
        3 => 0.001m,
        _ => 0.01m,
    };
}
