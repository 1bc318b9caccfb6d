namespace ClearingHouse.Ocpi.Locations;

// The OCPI 2.2.1 Location, EVSE and Connector objects as they travel (snake_case by OcpiJson). Every member is
// nullable: a missing required field is refused by OcpiLocationMapping naming it, not by the serializer in its terms.
// Members the hub does not keep yet (parking_type, directions, operator, images, ...) are ignored on input.

/// <summary>An OCPI Location.</summary>
public sealed record OcpiLocation(
    string? CountryCode, string? PartyId, string? Id, bool? Publish, string? Name, string? Address, string? City,
    string? PostalCode, string? State, string? Country, OcpiGeoLocation? Coordinates, IReadOnlyList<OcpiEvse?>? Evses,
    IReadOnlyList<string?>? Facilities, string? TimeZone, OcpiHours? OpeningTimes, DateTimeOffset? LastUpdated);

/// <summary>An OCPI GeoLocation (decimal degrees as strings).</summary>
public sealed record OcpiGeoLocation(string? Latitude, string? Longitude);

/// <summary>OCPI Hours.</summary>
public sealed record OcpiHours(bool? Twentyfourseven, IReadOnlyList<OcpiRegularHours?>? RegularHours);

/// <summary>OCPI RegularHours (weekday 1 = Monday).</summary>
public sealed record OcpiRegularHours(int? Weekday, string? PeriodBegin, string? PeriodEnd);

/// <summary>An OCPI EVSE.</summary>
public sealed record OcpiEvse(
    string? Uid, string? EvseId, string? Status, IReadOnlyList<OcpiConnector?>? Connectors, string? FloorLevel,
    string? PhysicalReference, DateTimeOffset? LastUpdated);

/// <summary>An OCPI Connector.</summary>
public sealed record OcpiConnector(
    string? Id, string? Standard, string? Format, string? PowerType, int? MaxVoltage, int? MaxAmperage,
    int? MaxElectricPower, IReadOnlyList<string?>? TariffIds, DateTimeOffset? LastUpdated);
