using System.Text.Json.Serialization;

namespace ClearingHouse.Domain.Tariffs;

/// <summary>
/// OCPI 2.2.1 or 2.3 <c>Tariff</c> object. <c>energy_mix</c> is not modelled (pricing does not use it);
/// the JSON reader ignores it. Check a tariff with <see cref="TariffValidator"/> before trusting it.
/// An OCPI 2.3 tariff is recognised by its <see cref="TaxIncluded"/>, which 2.3 requires and 2.2.1 does not have;
/// its <c>min_price</c> / <c>max_price</c> (2.3 <c>PriceLimit</c>: <c>before_taxes</c>, <c>after_taxes</c>) are read
/// into the same <see cref="Price"/> as 2.2.1's (<c>excl_vat</c>, <c>incl_vat</c>).
/// </summary>
public sealed record Tariff
{
    /// <summary>ISO 3166 alpha-2 country code of the CPO that owns the tariff (<c>country_code</c>); empty when absent.</summary>
    public string CountryCode { get; init; } = "";

    /// <summary>Id of the CPO that owns the tariff (<c>party_id</c>); empty when absent.</summary>
    public string PartyId { get; init; } = "";

    /// <summary>Id of the tariff in the CPO's platform (<c>id</c>).</summary>
    public required string Id { get; init; }

    /// <summary>ISO 4217 currency code (<c>currency</c>).</summary>
    public required string Currency { get; init; }

    /// <summary>The kind of session the tariff is for (<c>type</c>); null means every session.</summary>
    public TariffType? Type { get; init; }

    /// <summary>Alternative human-readable texts (<c>tariff_alt_text</c>).</summary>
    public IReadOnlyList<DisplayText> TariffAltText { get; init; } = [];

    /// <summary>URL of a human-readable explanation (<c>tariff_alt_url</c>).</summary>
    public string? TariffAltUrl { get; init; }

    /// <summary>
    /// A session never costs less than this (<c>min_price</c>), excl. and incl. VAT separately (OCPI 2.3: before and
    /// after taxes). Read from either OCPI shape; written in the 2.2.1 shape.
    /// </summary>
    [JsonConverter(typeof(PriceLimitJsonConverter))]
    public Price? MinPrice { get; init; }

    /// <summary>
    /// A session never costs more than this (<c>max_price</c>), excl. and incl. VAT separately (OCPI 2.3: before and
    /// after taxes). Read from either OCPI shape; written in the 2.2.1 shape.
    /// </summary>
    [JsonConverter(typeof(PriceLimitJsonConverter))]
    public Price? MaxPrice { get; init; }

    /// <summary>
    /// OCPI 2.3 <c>tax_included</c>: whether the component prices include taxes; null on an OCPI 2.2.1 tariff, which
    /// prices excl. VAT exactly as <see cref="TaxIncluded.No"/> does.
    /// </summary>
    public TaxIncluded? TaxIncluded { get; init; }

    /// <summary>
    /// OCPI 2.3 <c>preauthorize_amount</c>: what a payment terminal should hold for a session with this tariff; not
    /// used in pricing.
    /// </summary>
    public decimal? PreauthorizeAmount { get; init; }

    /// <summary>The tariff elements, in priority order (<c>elements</c>).</summary>
    public required IReadOnlyList<TariffElement> Elements { get; init; }

    /// <summary>When the tariff becomes active, UTC (<c>start_date_time</c>).</summary>
    public DateTimeOffset? StartDateTime { get; init; }

    /// <summary>When the tariff stops being active, UTC (<c>end_date_time</c>).</summary>
    public DateTimeOffset? EndDateTime { get; init; }

    /// <summary>When the tariff was last changed (<c>last_updated</c>); null when the source omitted it.</summary>
    public DateTimeOffset? LastUpdated { get; init; }

    /// <summary>
    /// Whether the tariff is active for a session starting at <paramref name="sessionStart"/>:
    /// <c>start_date_time</c> inclusive, <c>end_date_time</c> exclusive. Both are instants (UTC), so a window is the
    /// same whatever the location's time zone or daylight-saving state. Applied by
    /// <see cref="Cdrs.CdrPriceCheck.Check(CompiledTariff, Cdr, TimeZoneInfo, Cdrs.PriceCheckOptions?)"/> and
    /// <see cref="ConnectorTariffRules.Select"/>.
    /// </summary>
    public bool IsActiveAt(DateTimeOffset sessionStart) =>
        (StartDateTime is not { } start || sessionStart >= start) &&
        (EndDateTime is not { } end || sessionStart < end);

    /// <summary>
    /// Whether this tariff's validity window overlaps <paramref name="other"/>'s (both half-open, an absent bound
    /// unbounded): two tariffs of the same type at one connector must not overlap (OCPI 2.3 <c>tariff_ids</c>).
    /// </summary>
    public bool OverlapsWindowOf(Tariff other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return (EndDateTime is not { } end || other.StartDateTime is not { } otherStart || otherStart < end) &&
               (other.EndDateTime is not { } otherEnd || StartDateTime is not { } start || start < otherEnd);
    }
}

/// <summary>OCPI 2.2.1 <c>TariffElement</c>: price components and when they apply.</summary>
public sealed record TariffElement
{
    /// <summary>The price components (<c>price_components</c>); the first of each type counts.</summary>
    public required IReadOnlyList<PriceComponent> PriceComponents { get; init; }

    /// <summary>When the element applies (<c>restrictions</c>); null means always.</summary>
    public TariffRestrictions? Restrictions { get; init; }
}

/// <summary>OCPI 2.2.1 <c>PriceComponent</c>.</summary>
public sealed record PriceComponent
{
    /// <summary>The dimension priced (<c>type</c>).</summary>
    public required TariffDimensionType Type { get; init; }

    /// <summary>Price per unit excl. VAT (<c>price</c>): per kWh, per hour, or per session for FLAT.</summary>
    public required decimal Price { get; init; }

    /// <summary>VAT percentage (<c>vat</c>); null means no VAT applies (which OCPI distinguishes from 0%).</summary>
    public decimal? Vat { get; init; }

    /// <summary>Billing block (<c>step_size</c>): Wh for ENERGY, seconds for TIME and PARKING_TIME, ignored for FLAT; 0 means no rounding.</summary>
    public required int StepSize { get; init; }
}

/// <summary>
/// OCPI 2.2.1 <c>TariffRestrictions</c>. All set restrictions must hold (logical AND).
/// Times and dates stay strings as in OCPI so that <see cref="TariffValidator"/> can report malformed values.
/// </summary>
public sealed record TariffRestrictions
{
    /// <summary>Local time of day from which the element applies, inclusive, "HH:mm" (<c>start_time</c>).</summary>
    public string? StartTime { get; init; }

    /// <summary>Local time of day until which the element applies, exclusive, "HH:mm"; "00:00" means end of day; wraps when before <see cref="StartTime"/> (<c>end_time</c>).</summary>
    public string? EndTime { get; init; }

    /// <summary>Local date from which the element applies, inclusive, "yyyy-MM-dd" (<c>start_date</c>).</summary>
    public string? StartDate { get; init; }

    /// <summary>Local date until which the element applies, exclusive, "yyyy-MM-dd" (<c>end_date</c>).</summary>
    public string? EndDate { get; init; }

    /// <summary>Energy already consumed in kWh from which the element applies, inclusive (<c>min_kwh</c>).</summary>
    public decimal? MinKwh { get; init; }

    /// <summary>Energy already consumed in kWh until which the element applies, exclusive (<c>max_kwh</c>).</summary>
    public decimal? MaxKwh { get; init; }

    /// <summary>Charging current in A (sum over phases) from which the element applies, inclusive (<c>min_current</c>).</summary>
    public decimal? MinCurrent { get; init; }

    /// <summary>Charging current in A (sum over phases) below which the element applies, exclusive (<c>max_current</c>).</summary>
    public decimal? MaxCurrent { get; init; }

    /// <summary>Charging power in kW from which the element applies, inclusive (<c>min_power</c>).</summary>
    public decimal? MinPower { get; init; }

    /// <summary>Charging power in kW below which the element applies, exclusive (<c>max_power</c>).</summary>
    public decimal? MaxPower { get; init; }

    /// <summary>Session duration in seconds from which the element applies, inclusive (<c>min_duration</c>).</summary>
    public int? MinDuration { get; init; }

    /// <summary>Session duration in seconds until which the element applies, exclusive (<c>max_duration</c>).</summary>
    public int? MaxDuration { get; init; }

    /// <summary>Local days of the week on which the element applies (<c>day_of_week</c>); empty means every day.</summary>
    public IReadOnlyList<DayOfWeek> DayOfWeek { get; init; } = [];

    /// <summary>When set, the element prices a reservation (<c>reservation</c>) instead of charging.</summary>
    public ReservationRestrictionType? Reservation { get; init; }
}
