using ClearingHouse.Domain.Tariffs;

namespace ClearingHouse.Domain.Cdrs;

/// <summary>The hub's verdict on a CDR's declared price.</summary>
public enum PriceCheckVerdict
{
    /// <summary>Every compared figure is within its tolerance of the hub's.</summary>
    Matched = 1,

    /// <summary>At least one figure differs beyond its tolerance: <see cref="CdrPriceCheckResult.Differences"/> names each.</summary>
    Mismatch = 2,

    /// <summary>The session started outside the tariff's validity window (<c>start_date_time</c> / <c>end_date_time</c>): not priced with it.</summary>
    TariffNotActive = 3,

    /// <summary>The CDR's currency is not the tariff's: not priced with it.</summary>
    CurrencyMismatch = 4,

    /// <summary>
    /// Every figure matches, but the connector the CDR names did not list the tariff when the session started
    /// (its published <c>tariff_ids</c>): the CDR is priced with a tariff the driver was not shown.
    /// </summary>
    TariffNotListed = 5,

    /// <summary>
    /// Every figure matches, but when the session started the connector the CDR names listed another tariff of the
    /// same type (<see cref="TariffType"/>, or both without one) that was active too, which OCPI forbids
    /// (<see cref="ConnectorTariffRules"/>): the hub cannot tell which of them applied.
    /// </summary>
    TariffConflict = 6,
}

/// <summary>A figure of a CDR that the hub checks.</summary>
public enum CdrComponent
{
    /// <summary><c>total_cost</c>.</summary>
    TotalCost = 1,

    /// <summary><c>total_energy_cost</c>.</summary>
    EnergyCost = 2,

    /// <summary><c>total_time_cost</c>.</summary>
    TimeCost = 3,

    /// <summary><c>total_parking_cost</c>.</summary>
    ParkingCost = 4,

    /// <summary><c>total_fixed_cost</c>.</summary>
    FixedCost = 5,

    /// <summary><c>total_reservation_cost</c>.</summary>
    ReservationCost = 6,

    /// <summary><c>total_energy</c>, kWh.</summary>
    TotalEnergy = 7,

    /// <summary><c>total_time</c>, hours.</summary>
    TotalTime = 8,

    /// <summary><c>total_parking_time</c>, hours.</summary>
    TotalParkingTime = 9,
}

/// <summary>Which side of a figure differs.</summary>
public enum AmountBasis
{
    /// <summary>An amount excluding VAT (<c>excl_vat</c>; OCPI 2.3 before taxes).</summary>
    ExclVat = 1,

    /// <summary>An amount including VAT (<c>incl_vat</c>; OCPI 2.3 after taxes).</summary>
    InclVat = 2,

    /// <summary>A volume (kWh or hours).</summary>
    Volume = 3,
}

/// <summary>One figure of a CDR that differs from the hub's beyond the tolerance.</summary>
/// <param name="Component">Which figure.</param>
/// <param name="Basis">Excl. VAT, incl. VAT, or a volume.</param>
/// <param name="Declared">What the CDR declares (a missing cost counts as 0; a credit CDR's figures by absolute value).</param>
/// <param name="Hub">What the hub computed.</param>
/// <param name="Tolerance">The tolerance it was compared with (currency, kWh or hours).</param>
public sealed record ComponentDifference(CdrComponent Component, AmountBasis Basis, decimal Declared, decimal Hub, decimal Tolerance)
{
    /// <summary>Declared minus hub.</summary>
    public decimal Difference => Declared - Hub;

    /// <summary>The OCPI path of the figure, e.g. <c>total_energy_cost.excl_vat</c> or <c>total_energy</c>.</summary>
    public string Field => Basis switch
    {
        AmountBasis.ExclVat => FieldName(Component) + ".excl_vat",
        AmountBasis.InclVat => FieldName(Component) + ".incl_vat",
        _ => FieldName(Component),
    };

    /// <summary>The OCPI CDR field of a component (<c>total_energy_cost</c>, <c>total_time</c>, ...).</summary>
    public static string FieldName(CdrComponent component) => component switch
    {
        CdrComponent.TotalCost => "total_cost",
        CdrComponent.EnergyCost => "total_energy_cost",
        CdrComponent.TimeCost => "total_time_cost",
        CdrComponent.ParkingCost => "total_parking_cost",
        CdrComponent.FixedCost => "total_fixed_cost",
        CdrComponent.ReservationCost => "total_reservation_cost",
        CdrComponent.TotalEnergy => "total_energy",
        CdrComponent.TotalTime => "total_time",
        CdrComponent.TotalParkingTime => "total_parking_time",
        _ => component.ToString(),
    };
}

/// <summary>The outcome of checking a CDR against the hub's price.</summary>
public sealed record CdrPriceCheckResult
{
    /// <summary>The verdict.</summary>
    public required PriceCheckVerdict Verdict { get; init; }

    /// <summary>The hub's price; null when the tariff was not used (<see cref="PriceCheckVerdict.TariffNotActive"/>, <see cref="PriceCheckVerdict.CurrencyMismatch"/>).</summary>
    public PricingResult? Hub { get; init; }

    /// <summary>Every figure that differs beyond its tolerance, <c>total_cost</c> first, then components, then volumes; empty unless <see cref="PriceCheckVerdict.Mismatch"/>.</summary>
    public IReadOnlyList<ComponentDifference> Differences { get; init; } = [];

    /// <summary>
    /// Whether <c>total_cost</c> alone is within the tolerance: the verdict the hub gave before components were
    /// compared (<see cref="CdrPriceCheck.IsMismatch"/>); false when the tariff was not used.
    /// </summary>
    public bool TotalMatches { get; init; }

    /// <summary>The money tolerance applied, in the CDR's currency.</summary>
    public decimal Tolerance { get; init; }

    /// <summary>Why the tariff was not used, in words for a partner; null otherwise.</summary>
    public string? Reason { get; init; }
}

/// <summary>Compares what a CPO declared in a CDR with the hub's own price of the session.</summary>
public static class CdrPriceCheck
{
    /// <summary>
    /// Whether the declared <c>total_cost</c> differs from the hub's total by more than
    /// <paramref name="tolerance"/> (in the currency), excl. VAT, or incl. VAT when the CDR declares it.
    /// A credit CDR is compared by absolute value: it reverses the amounts of the CDR it corrects.
    /// </summary>
    public static bool IsMismatch(PricingResult hub, Tariffs.Price declared, decimal tolerance, bool credit = false)
    {
        ArgumentNullException.ThrowIfNull(hub);
        ArgumentNullException.ThrowIfNull(declared);
        var excl = credit ? Math.Abs(declared.ExclVat) : declared.ExclVat;
        if (Math.Abs(hub.Total.ExclVat - excl) > tolerance)
        {
            return true;
        }

        if (declared.InclVat is { } inclVat)
        {
            var incl = credit ? Math.Abs(inclVat) : inclVat;
            return Math.Abs(hub.Total.InclVat - incl) > tolerance;
        }

        return false;
    }

    /// <summary>Checks a CDR against a tariff (compiled on the fly; compile once to check many).</summary>
    public static CdrPriceCheckResult Check(Tariff tariff, Cdr cdr, TimeZoneInfo timeZone, PriceCheckOptions? options = null) =>
        Check(CompiledTariff.Compile(tariff), cdr, timeZone, options);

    /// <summary>
    /// Checks a CDR against a tariff: the session must start inside the tariff's validity window
    /// (<see cref="Tariff.IsActiveAt"/>, else <see cref="PriceCheckVerdict.TariffNotActive"/>) and the CDR be in the
    /// tariff's currency (else <see cref="PriceCheckVerdict.CurrencyMismatch"/>); then the hub prices the session and
    /// <see cref="Compare"/> compares every figure.
    /// </summary>
    /// <param name="tariff">The tariff the session is priced with (chosen, for example, by <see cref="ConnectorTariffRules.Select"/>).</param>
    /// <param name="cdr">The CDR.</param>
    /// <param name="timeZone">The location's time zone, for time, date and day-of-week restrictions.</param>
    /// <param name="options">Tolerances; <see cref="PriceCheckOptions.Default"/> when null.</param>
    public static CdrPriceCheckResult Check(CompiledTariff tariff, Cdr cdr, TimeZoneInfo timeZone, PriceCheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tariff);
        ArgumentNullException.ThrowIfNull(cdr);
        options ??= PriceCheckOptions.Default;
        var tolerance = options.ToleranceFor(cdr.Currency);
        var t = tariff.Tariff;
        if (!t.IsActiveAt(cdr.StartDateTime))
        {
            return new CdrPriceCheckResult
            {
                Verdict = PriceCheckVerdict.TariffNotActive,
                Tolerance = tolerance,
                Reason = $"the session started at {cdr.StartDateTime.ToUniversalTime():u}, outside tariff '{t.Id}''s validity " +
                         $"[{(t.StartDateTime is { } s ? s.ToUniversalTime().ToString("u", System.Globalization.CultureInfo.InvariantCulture) : "-")}, " +
                         $"{(t.EndDateTime is { } e ? e.ToUniversalTime().ToString("u", System.Globalization.CultureInfo.InvariantCulture) : "-")})",
            };
        }

        if (!string.Equals(t.Currency, cdr.Currency, StringComparison.Ordinal))
        {
            return new CdrPriceCheckResult
            {
                Verdict = PriceCheckVerdict.CurrencyMismatch,
                Tolerance = tolerance,
                Reason = $"the CDR is in {cdr.Currency}, tariff '{t.Id}' in {t.Currency}",
            };
        }

        return Compare(TariffPricer.Price(tariff, cdr, timeZone), cdr, options);
    }

    /// <summary>
    /// Compares a CDR's declared figures with a price the hub already computed: <c>total_cost</c>, then (unless
    /// <see cref="PriceCheckOptions.CompareComponents"/> is off) the energy, time, parking, fixed and reservation
    /// costs, each excl. and incl. VAT, then (unless <see cref="PriceCheckOptions.CompareVolumes"/> is off)
    /// <c>total_energy</c>, <c>total_time</c> and <c>total_parking_time</c>.
    /// </summary>
    /// <remarks>
    /// A cost the CDR leaves out counts as 0 (so a hub cost it omits is a difference) unless
    /// <see cref="PriceCheckOptions.OmittedCostsCountAsZero"/> is off; an <c>incl_vat</c> it leaves
    /// out is not compared, nor is a side the hub could not compute (<see cref="PricingResult.ExclVatKnown"/>,
    /// <see cref="PricingResult.InclVatKnown"/>). A credit CDR is compared by absolute value. The components are
    /// compared with the hub's dimension costs as priced, before <c>min_price</c>/<c>max_price</c> (OCPI puts the
    /// clamp on the total only).
    /// </remarks>
    public static CdrPriceCheckResult Compare(PricingResult hub, Cdr cdr, PriceCheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(hub);
        ArgumentNullException.ThrowIfNull(cdr);
        options ??= PriceCheckOptions.Default;
        var tolerance = options.ToleranceFor(cdr.Currency);
        var credit = cdr.Credit == true;
        List<ComponentDifference>? differences = null; // allocated on the first difference: most CDRs have none

        CompareCost(ref differences, CdrComponent.TotalCost, cdr.TotalCost, hub.Total, hub, tolerance, credit);
        var totalMatches = differences is null;
        if (options.CompareComponents)
        {
            CompareCost(ref differences, CdrComponent.EnergyCost, cdr.TotalEnergyCost, hub.Energy.Cost, hub, tolerance, credit, options.OmittedCostsCountAsZero);
            CompareCost(ref differences, CdrComponent.TimeCost, cdr.TotalTimeCost, hub.Time.Cost, hub, tolerance, credit, options.OmittedCostsCountAsZero);
            CompareCost(ref differences, CdrComponent.ParkingCost, cdr.TotalParkingCost, hub.ParkingTime.Cost, hub, tolerance, credit, options.OmittedCostsCountAsZero);
            CompareCost(ref differences, CdrComponent.FixedCost, cdr.TotalFixedCost, hub.Flat.Cost, hub, tolerance, credit, options.OmittedCostsCountAsZero);
            CompareCost(ref differences, CdrComponent.ReservationCost, cdr.TotalReservationCost, hub.Reservation.Cost, hub, tolerance, credit, options.OmittedCostsCountAsZero);
        }

        if (options.CompareVolumes)
        {
            CompareVolume(ref differences, CdrComponent.TotalEnergy, cdr.TotalEnergy, hub.Energy.Volume, options.EnergyToleranceKwh, credit);
            CompareVolume(ref differences, CdrComponent.TotalTime, cdr.TotalTime, hub.TotalTime, options.TimeToleranceHours, credit);
            CompareVolume(ref differences, CdrComponent.TotalParkingTime, cdr.TotalParkingTime ?? 0m, hub.ParkingTime.Volume, options.TimeToleranceHours, credit);
        }

        return new CdrPriceCheckResult
        {
            Verdict = differences is null ? PriceCheckVerdict.Matched : PriceCheckVerdict.Mismatch,
            Hub = hub,
            Differences = (IReadOnlyList<ComponentDifference>?)differences ?? [],
            TotalMatches = totalMatches,
            Tolerance = tolerance,
        };
    }

    private static void CompareCost(
        ref List<ComponentDifference>? differences,
        CdrComponent component,
        Tariffs.Price? declared,
        Cost hub,
        PricingResult result,
        decimal tolerance,
        bool credit,
        bool omittedCountsAsZero = true)
    {
        if (declared is null && !omittedCountsAsZero)
        {
            return;
        }

        var excl = Signless(declared?.ExclVat ?? 0m, credit);
        if (result.ExclVatKnown && Math.Abs(excl - hub.ExclVat) > tolerance)
        {
            (differences ??= []).Add(new(component, AmountBasis.ExclVat, excl, hub.ExclVat, tolerance));
        }

        // A CDR that gives no incl_vat for a cost it declares says nothing about it; one that leaves the whole cost
        // out declares 0 on both sides.
        decimal? incl = declared is null ? 0m : declared.InclVat;
        if (incl is { } value && result.InclVatKnown)
        {
            value = Signless(value, credit);
            if (Math.Abs(value - hub.InclVat) > tolerance)
            {
                (differences ??= []).Add(new(component, AmountBasis.InclVat, value, hub.InclVat, tolerance));
            }
        }
    }

    private static void CompareVolume(ref List<ComponentDifference>? differences, CdrComponent component, decimal declared, decimal hub, decimal tolerance, bool credit)
    {
        declared = Signless(declared, credit);
        if (Math.Abs(declared - hub) > tolerance)
        {
            (differences ??= []).Add(new(component, AmountBasis.Volume, declared, hub, tolerance));
        }
    }

    private static decimal Signless(decimal value, bool credit) => credit ? Math.Abs(value) : value;
}
