namespace ClearingHouse.Domain.Tariffs;

/// <summary>An amount in the tariff's currency, excluding and including VAT.</summary>
/// <param name="ExclVat">Amount excluding VAT.</param>
/// <param name="InclVat">Amount including VAT (equal to <paramref name="ExclVat"/> when no VAT applies).</param>
public readonly record struct Cost(decimal ExclVat, decimal InclVat)
{
    /// <summary>Zero.</summary>
    public static Cost Zero => default;

    /// <summary>Adds two costs.</summary>
    public static Cost operator +(Cost left, Cost right) =>
        new(left.ExclVat + right.ExclVat, left.InclVat + right.InclVat);

    /// <summary>Adds two costs (named alternative to the operator).</summary>
    public static Cost Add(Cost left, Cost right) => left + right;
}

/// <summary>The priced outcome of one tariff dimension over a session.</summary>
/// <param name="Volume">
/// Total measured volume of the dimension in the session (kWh or hours), priced or not; for FLAT the number of fees charged.
/// </param>
/// <param name="BilledVolume">
/// Volume actually billed: the part that a price component applied to, after <c>step_size</c>.
/// </param>
/// <param name="Cost">Cost of the dimension, rounded as described on <see cref="TariffPricer"/>.</param>
public readonly record struct DimensionCharge(decimal Volume, decimal BilledVolume, Cost Cost);

/// <summary>The hub's price of one session under one tariff.</summary>
public sealed record PricingResult
{
    /// <summary>ISO 4217 currency of every amount (the tariff's).</summary>
    public required string Currency { get; init; }

    /// <summary>ENERGY: kWh and its cost (CDR <c>total_energy</c>, <c>total_energy_cost</c>).</summary>
    public required DimensionCharge Energy { get; init; }

    /// <summary>TIME: charging hours and their cost (CDR <c>total_time_cost</c>).</summary>
    public required DimensionCharge Time { get; init; }

    /// <summary>PARKING_TIME: hours not charging and their cost (CDR <c>total_parking_time</c>, <c>total_parking_cost</c>).</summary>
    public required DimensionCharge ParkingTime { get; init; }

    /// <summary>FLAT fees outside reservations (CDR <c>total_fixed_cost</c>); volume is the number of fees (0 or 1).</summary>
    public required DimensionCharge Flat { get; init; }

    /// <summary>
    /// Reservation: RESERVATION_TIME hours priced by reservation elements, plus their FLAT fee, in one cost
    /// (CDR <c>total_reservation_cost</c>).
    /// </summary>
    public required DimensionCharge Reservation { get; init; }

    /// <summary>Session duration in hours, charging and not charging (CDR <c>total_time</c>).</summary>
    public required decimal TotalTime { get; init; }

    /// <summary>Sum of the dimension costs, before <c>min_price</c>/<c>max_price</c>.</summary>
    public required Cost Subtotal { get; init; }

    /// <summary>Total cost of the session (CDR <c>total_cost</c>): <see cref="Subtotal"/> clamped by min/max price.</summary>
    public required Cost Total { get; init; }

    /// <summary>Whether <c>min_price</c> raised the total (excl. or incl. VAT).</summary>
    public required bool MinPriceApplied { get; init; }

    /// <summary>Whether <c>max_price</c> lowered the total (excl. or incl. VAT).</summary>
    public required bool MaxPriceApplied { get; init; }

    /// <summary>Whether the session was priced as a reservation that expired without charging.</summary>
    public required bool ReservationExpired { get; init; }

    /// <summary>
    /// Whether the amounts excl. VAT (OCPI 2.3: before taxes) are known: false when the tariff's prices include taxes
    /// and one of its components has no VAT rate to split them (<see cref="CompiledTariff.ExclVatKnown"/>); the amounts
    /// excl. VAT then equal those incl. VAT and must not be compared.
    /// </summary>
    public bool ExclVatKnown { get; init; } = true;

    /// <summary>
    /// Whether the amounts incl. VAT (OCPI 2.3: after taxes) are known: false when the tariff's taxes are added on
    /// top and one of its components has no VAT rate (<see cref="CompiledTariff.InclVatKnown"/>); the amounts incl. VAT
    /// then equal those excl. VAT and must not be compared.
    /// </summary>
    public bool InclVatKnown { get; init; } = true;

    /// <summary>
    /// The IANA time zone time, date and day-of-week restrictions were read in, when the caller recorded it (the
    /// pricer itself leaves it null: it only uses the zone it is given).
    /// </summary>
    public string? TimeZone { get; init; }

    /// <summary>Where <see cref="TimeZone"/> came from and why, in words (for example a fallback to UTC); null when not recorded.</summary>
    public string? TimeZoneNote { get; init; }
}
