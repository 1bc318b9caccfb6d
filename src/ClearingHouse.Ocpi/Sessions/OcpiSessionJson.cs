namespace ClearingHouse.Ocpi.Sessions;

// The OCPI 2.2.1 Session object and the CDR classes it shares, as they travel (snake_case by OcpiJson). Every member is
// nullable: a missing required field is refused by OcpiSessionMapping naming it, not by the serializer in its terms.
// Amounts and volumes are decimals: read and written exactly as sent.

/// <summary>An OCPI Session.</summary>
public sealed record OcpiSession(
    string? CountryCode, string? PartyId, string? Id, DateTimeOffset? StartDateTime, DateTimeOffset? EndDateTime, decimal? Kwh,
    OcpiCdrToken? CdrToken, string? AuthMethod, string? AuthorizationReference, string? LocationId, string? EvseUid,
    string? ConnectorId, string? MeterId, string? Currency, IReadOnlyList<OcpiChargingPeriod?>? ChargingPeriods,
    OcpiPrice? TotalCost, string? Status, DateTimeOffset? LastUpdated);

/// <summary>An OCPI CdrToken: the token used and the EMSP that issued it.</summary>
public sealed record OcpiCdrToken(string? CountryCode, string? PartyId, string? Uid, string? Type, string? ContractId);

/// <summary>An OCPI ChargingPeriod.</summary>
public sealed record OcpiChargingPeriod(DateTimeOffset? StartDateTime, IReadOnlyList<OcpiCdrDimension?>? Dimensions, string? TariffId);

/// <summary>An OCPI CdrDimension.</summary>
public sealed record OcpiCdrDimension(string? Type, decimal? Volume);

/// <summary>An OCPI Price (in the object's currency).</summary>
public sealed record OcpiPrice(decimal? ExclVat, decimal? InclVat);
