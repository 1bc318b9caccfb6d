using System.Text.Json.Serialization;

namespace ClearingHouse.Domain.Tariffs;

/// <summary>
/// OCPI 2.2.1 and 2.3 <c>TariffType</c>: which kind of session a tariff is meant for. A connector lists at most one
/// active tariff per type (<see cref="ConnectorTariffRules"/>); a tariff without a type is valid for every session.
/// </summary>
public enum TariffType
{
    /// <summary>Ad-hoc payment at the charge point (debit or credit card terminal).</summary>
    AdHocPayment,

    /// <summary>Valid when the charging preference CHEAP is set for the session.</summary>
    ProfileCheap,

    /// <summary>Valid when the charging preference FAST is set for the session.</summary>
    ProfileFast,

    /// <summary>Valid when the charging preference GREEN is set for the session.</summary>
    ProfileGreen,

    /// <summary>RFID without charging preference, or charging preference REGULAR.</summary>
    Regular,
}

/// <summary>
/// OCPI 2.3 <c>TaxIncluded</c>: whether the prices of a tariff (its price components, and <c>min_price</c> /
/// <c>max_price</c> as the limits they are) already contain taxes. Absent on OCPI 2.2.1 tariffs, whose prices
/// exclude VAT.
/// </summary>
public enum TaxIncluded
{
    /// <summary>The prices include taxes (<c>YES</c>): a component's <c>vat</c>, when given, says how much of it is tax.</summary>
    Yes,

    /// <summary>The prices exclude taxes (<c>NO</c>), which are added on top: a component's <c>vat</c>, when given, says how much.</summary>
    No,

    /// <summary>No taxes apply to this tariff (<c>N/A</c>): amounts before and after taxes are equal.</summary>
    [JsonStringEnumMemberName("N/A")]
    NotApplicable,
}

/// <summary>OCPI 2.2.1 <c>TariffDimensionType</c>: what a <see cref="PriceComponent"/> prices.</summary>
public enum TariffDimensionType
{
    /// <summary>Energy in kWh; <c>step_size</c> is in Wh.</summary>
    Energy,

    /// <summary>A fixed fee without unit, charged once per session.</summary>
    Flat,

    /// <summary>Time not charging, in hours; <c>step_size</c> is in seconds.</summary>
    ParkingTime,

    /// <summary>Time charging (or reserved, in a reservation element), in hours; <c>step_size</c> is in seconds.</summary>
    Time,
}

/// <summary>OCPI 2.2.1 <c>ReservationRestrictionType</c>.</summary>
public enum ReservationRestrictionType
{
    /// <summary>The element prices a reservation.</summary>
    Reservation,

    /// <summary>The element prices a reservation that expired without a charging session.</summary>
    ReservationExpires,
}

/// <summary>OCPI 2.2.1 <c>CdrDimensionType</c>: what a <see cref="CdrDimension"/> measures.</summary>
public enum CdrDimensionType
{
    /// <summary>Average charging current in A.</summary>
    Current,

    /// <summary>Energy charged in kWh.</summary>
    Energy,

    /// <summary>Energy exported from the EV in kWh.</summary>
    EnergyExport,

    /// <summary>Energy imported into the EV in kWh.</summary>
    EnergyImport,

    /// <summary>Maximum current reached during the period, in A.</summary>
    MaxCurrent,

    /// <summary>Minimum current used during the period, in A.</summary>
    MinCurrent,

    /// <summary>Maximum power reached during the period, in kW.</summary>
    MaxPower,

    /// <summary>Minimum power used during the period, in kW.</summary>
    MinPower,

    /// <summary>Time not charging, in hours.</summary>
    ParkingTime,

    /// <summary>Average power in kW.</summary>
    Power,

    /// <summary>Time reserved, in hours.</summary>
    ReservationTime,

    /// <summary>State of charge of the EV battery, in percent.</summary>
    StateOfCharge,

    /// <summary>Time charging, in hours.</summary>
    Time,
}
