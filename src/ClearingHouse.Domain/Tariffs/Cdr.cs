namespace ClearingHouse.Domain.Tariffs;

/// <summary>OCPI 2.2.1 <c>CdrDimension</c>: one measured quantity of a charging period.</summary>
public sealed record CdrDimension
{
    /// <summary>What is measured (<c>type</c>).</summary>
    public required CdrDimensionType Type { get; init; }

    /// <summary>The measured volume, in the unit of <see cref="Type"/> (<c>volume</c>).</summary>
    public required decimal Volume { get; init; }
}

/// <summary>
/// OCPI 2.2.1 <c>ChargingPeriod</c>: from <see cref="StartDateTime"/> until the next period's start
/// (or the session's end), with what was measured. A CPO starts a new period whenever a tariff element may change.
/// </summary>
public sealed record ChargingPeriod
{
    /// <summary>Start of the period, UTC (<c>start_date_time</c>).</summary>
    public required DateTimeOffset StartDateTime { get; init; }

    /// <summary>What was measured during the period (<c>dimensions</c>).</summary>
    public required IReadOnlyList<CdrDimension> Dimensions { get; init; }

    /// <summary>Id of the tariff relevant for this period (<c>tariff_id</c>), if given.</summary>
    public string? TariffId { get; init; }
}

/// <summary>The part of OCPI 2.2.1 <c>CdrLocation</c> that pricing and routing use.</summary>
public sealed record CdrLocation
{
    /// <summary>The CPO's location id (<c>id</c>).</summary>
    public string? Id { get; init; }

    /// <summary>ISO 3166 alpha-3 country code (<c>country</c>).</summary>
    public string? Country { get; init; }

    /// <summary>The CPO's uid of the EVSE used (<c>evse_uid</c>).</summary>
    public string? EvseUid { get; init; }

    /// <summary>The id of the connector used, within the EVSE (<c>connector_id</c>).</summary>
    public string? ConnectorId { get; init; }

    /// <summary>IANA time zone (<c>time_zone</c>); not in OCPI 2.2.1's CdrLocation, accepted when present.</summary>
    public string? TimeZone { get; init; }
}

/// <summary>OCPI 2.2.1 <c>CdrToken</c>: the token used, and the EMSP that issued it.</summary>
public sealed record CdrToken
{
    /// <summary>Country code of the EMSP that issued the token (<c>country_code</c>).</summary>
    public string? CountryCode { get; init; }

    /// <summary>Party id of the EMSP that issued the token (<c>party_id</c>).</summary>
    public string? PartyId { get; init; }

    /// <summary>The token's unique id (<c>uid</c>).</summary>
    public string? Uid { get; init; }

    /// <summary>The kind of token (<c>type</c>), as OCPI text (RFID, APP_USER, ...).</summary>
    public string? Type { get; init; }

    /// <summary>The driver's contract id (<c>contract_id</c>).</summary>
    public string? ContractId { get; init; }
}

/// <summary>
/// The part of an OCPI 2.2.1 <c>CDR</c> that pricing needs: the session, its charging periods and the
/// totals the CPO declared (to compare with the hub's own price). Other CDR fields are ignored by the reader.
/// </summary>
public sealed record Cdr
{
    /// <summary>The CPO's CDR id (<c>id</c>).</summary>
    public string? Id { get; init; }

    /// <summary>Country code of the CPO (<c>country_code</c>).</summary>
    public string? CountryCode { get; init; }

    /// <summary>Party id of the CPO (<c>party_id</c>).</summary>
    public string? PartyId { get; init; }

    /// <summary>The token that started the session (<c>cdr_token</c>): its issuer is the EMSP the CDR goes to.</summary>
    public CdrToken? CdrToken { get; init; }

    /// <summary>The CPO's session id (<c>session_id</c>).</summary>
    public string? SessionId { get; init; }

    /// <summary>Reference of the authorization the session ran under (<c>authorization_reference</c>).</summary>
    public string? AuthorizationReference { get; init; }

    /// <summary>Whether this is a credit CDR (<c>credit</c>) that corrects an earlier one.</summary>
    public bool? Credit { get; init; }

    /// <summary>Id of the CDR a credit CDR corrects (<c>credit_reference_id</c>).</summary>
    public string? CreditReferenceId { get; init; }

    /// <summary>Session start, UTC (<c>start_date_time</c>).</summary>
    public required DateTimeOffset StartDateTime { get; init; }

    /// <summary>Session end, UTC (<c>end_date_time</c>).</summary>
    public required DateTimeOffset EndDateTime { get; init; }

    /// <summary>ISO 4217 currency of the costs (<c>currency</c>).</summary>
    public required string Currency { get; init; }

    /// <summary>Tariffs relevant for the session (<c>tariffs</c>).</summary>
    public IReadOnlyList<Tariff> Tariffs { get; init; } = [];

    /// <summary>Where the session took place (<c>cdr_location</c>).</summary>
    public CdrLocation? CdrLocation { get; init; }

    /// <summary>The charging periods (<c>charging_periods</c>).</summary>
    public required IReadOnlyList<ChargingPeriod> ChargingPeriods { get; init; }

    /// <summary>Declared total cost (<c>total_cost</c>).</summary>
    public required Price TotalCost { get; init; }

    /// <summary>Declared fixed (FLAT) cost (<c>total_fixed_cost</c>).</summary>
    public Price? TotalFixedCost { get; init; }

    /// <summary>Declared energy in kWh (<c>total_energy</c>).</summary>
    public required decimal TotalEnergy { get; init; }

    /// <summary>Declared energy cost (<c>total_energy_cost</c>).</summary>
    public Price? TotalEnergyCost { get; init; }

    /// <summary>Declared session duration in hours, charging and not charging (<c>total_time</c>).</summary>
    public required decimal TotalTime { get; init; }

    /// <summary>Declared charging-time cost (<c>total_time_cost</c>).</summary>
    public Price? TotalTimeCost { get; init; }

    /// <summary>Declared parking time in hours (<c>total_parking_time</c>).</summary>
    public decimal? TotalParkingTime { get; init; }

    /// <summary>Declared parking cost (<c>total_parking_cost</c>).</summary>
    public Price? TotalParkingCost { get; init; }

    /// <summary>Declared reservation cost (<c>total_reservation_cost</c>).</summary>
    public Price? TotalReservationCost { get; init; }

    /// <summary>When the CDR was last changed (<c>last_updated</c>).</summary>
    public DateTimeOffset? LastUpdated { get; init; }
}
