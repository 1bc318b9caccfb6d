using System.Globalization;
using ClearingHouse.Domain.Tariffs;

namespace ClearingHouse.Domain.Settlement;

/// <summary>How a CDR counts on a statement.</summary>
public enum LineKind
{
    /// <summary>A regular CDR: part of the payable total.</summary>
    Charge = 1,

    /// <summary>A credit CDR: netted (negative) in the payable total.</summary>
    Credit = 2,

    /// <summary>A CDR under dispute (or a price mismatch not yet settled): shown apart, not in the payable total.</summary>
    Disputed = 3,
}

/// <summary>The cost of a CDR split by OCPI component; <see cref="Other"/> is what min/max price added or removed.</summary>
/// <param name="Energy">total_energy_cost.</param>
/// <param name="Time">total_time_cost.</param>
/// <param name="Parking">total_parking_cost.</param>
/// <param name="Flat">total_fixed_cost.</param>
/// <param name="Reservation">total_reservation_cost.</param>
/// <param name="Other">total_cost minus the five components (min/max price, rounding), so the components add up to the total.</param>
public readonly record struct ComponentCosts(Cost Energy, Cost Time, Cost Parking, Cost Flat, Cost Reservation, Cost Other)
{
    /// <summary>The sum of all components.</summary>
    public Cost Total => Energy + Time + Parking + Flat + Reservation + Other;

    /// <summary>Adds component by component.</summary>
    public static ComponentCosts operator +(ComponentCosts a, ComponentCosts b) =>
        new(a.Energy + b.Energy, a.Time + b.Time, a.Parking + b.Parking, a.Flat + b.Flat, a.Reservation + b.Reservation, a.Other + b.Other);

    /// <summary>Adds component by component (named alternative to the operator).</summary>
    public static ComponentCosts Add(ComponentCosts a, ComponentCosts b) => a + b;
}

/// <summary>
/// One CDR as it appears on a statement: its volumes and the costs the CPO declared, signed (a credit CDR is
/// negative whatever sign the CPO used), split by component.
/// </summary>
public sealed record StatementLine
{
    /// <summary>The CPO's CDR id.</summary>
    public required string CdrId { get; init; }

    /// <summary>Session start (UTC).</summary>
    public required DateTimeOffset Start { get; init; }

    /// <summary>Session end (UTC): the instant that places the CDR in a period.</summary>
    public required DateTimeOffset End { get; init; }

    /// <summary>How it counts.</summary>
    public required LineKind Kind { get; init; }

    /// <summary>Energy in kWh (negative on a credit).</summary>
    public required decimal EnergyKwh { get; init; }

    /// <summary>Charging time in hours: total_time minus total_parking_time (negative on a credit).</summary>
    public required decimal ChargingHours { get; init; }

    /// <summary>Parking time in hours (negative on a credit).</summary>
    public required decimal ParkingHours { get; init; }

    /// <summary>Declared costs by component; they add up exactly to <see cref="Total"/>.</summary>
    public required ComponentCosts Components { get; init; }

    /// <summary>Declared total_cost (incl. VAT equals excl. VAT when the CDR gives none).</summary>
    public Cost Total => Components.Total;

    /// <summary>The CDR a credit CDR corrects.</summary>
    public string? CreditReferenceId { get; init; }

    /// <summary>The hub's price check (MATCHED, MISMATCH, NOT_CHECKED).</summary>
    public required string PriceCheck { get; init; }

    /// <summary>The hub's own total excl. VAT, when it priced the CDR.</summary>
    public decimal? HubTotalExclVat { get; init; }

    /// <summary>For a late CDR: the number of the closed statement whose period it belongs to.</summary>
    public long? AdjustmentOf { get; init; }

    /// <summary>The dispute's state (OPEN, DECLINED, ...) when the CDR has one.</summary>
    public string? DisputeState { get; init; }

    /// <summary>
    /// Builds the line of an OCPI CDR. Credit CDRs count negative by absolute value (OCPI lets CPOs send either sign).
    /// A missing incl. VAT amount is taken as equal to excl. VAT (no VAT known), so sums stay defined.
    /// </summary>
    public static StatementLine FromCdr(Cdr cdr, LineKind kind, string priceCheck, decimal? hubTotalExclVat, long? adjustmentOf, string? disputeState)
    {
        ArgumentNullException.ThrowIfNull(cdr);
        var credit = cdr.Credit == true;
        decimal Sign(decimal v) => credit ? -Math.Abs(v) : v;
        Cost C(Price? p) => p is null ? Cost.Zero : new Cost(Sign(p.ExclVat), Sign(p.InclVat ?? p.ExclVat));
        var total = C(cdr.TotalCost);
        var energy = C(cdr.TotalEnergyCost);
        var time = C(cdr.TotalTimeCost);
        var parking = C(cdr.TotalParkingCost);
        var flat = C(cdr.TotalFixedCost);
        var reservation = C(cdr.TotalReservationCost);
        var known = energy + time + parking + flat + reservation;
        var other = new Cost(total.ExclVat - known.ExclVat, total.InclVat - known.InclVat);
        var parkingHours = cdr.TotalParkingTime ?? 0m;
        return new StatementLine
        {
            CdrId = cdr.Id ?? "",
            Start = cdr.StartDateTime,
            End = cdr.EndDateTime,
            Kind = kind,
            EnergyKwh = Sign(cdr.TotalEnergy),
            ChargingHours = Sign(cdr.TotalTime - parkingHours),
            ParkingHours = Sign(parkingHours),
            Components = new ComponentCosts(energy, time, parking, flat, reservation, other),
            CreditReferenceId = cdr.CreditReferenceId,
            PriceCheck = priceCheck,
            HubTotalExclVat = hubTotalExclVat,
            AdjustmentOf = adjustmentOf,
            DisputeState = disputeState,
        };
    }

    /// <summary>The kind as written on statements (CHARGE, CREDIT, DISPUTED).</summary>
    public string KindText => Kind.ToString().ToUpperInvariant();

    /// <summary>Invariant text of an amount, as stored (scale kept).</summary>
    public static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
