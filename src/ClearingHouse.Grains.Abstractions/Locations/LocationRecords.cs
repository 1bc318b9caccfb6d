using ClearingHouse.Domain.Locations;
using ClearingHouse.Domain.Parties;

namespace ClearingHouse.Grains.Locations;

/// <summary>
/// OCPI <c>Location</c> as the hub stores it. Enum-valued fields (connector standard, format, power
/// type, facilities) hold the wire enum's numbers, which protos never renumber; the grain does not
/// interpret them, the gRPC edge validates them.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record LocationData
{
    /// <summary>The owning CPO.</summary>
    [Id(0)] public required PartyKey Cpo { get; init; }

    /// <summary>The location's id within the CPO's platform.</summary>
    [Id(1)] public required string Id { get; init; }

    /// <summary>Whether it may be published to drivers.</summary>
    [Id(2)] public bool Publish { get; init; }

    /// <summary>Display name.</summary>
    [Id(3)] public string Name { get; init; } = "";

    /// <summary>Street and number.</summary>
    [Id(4)] public string Address { get; init; } = "";

    /// <summary>City.</summary>
    [Id(5)] public string City { get; init; } = "";

    /// <summary>Postal code.</summary>
    [Id(6)] public string PostalCode { get; init; } = "";

    /// <summary>State or province.</summary>
    [Id(7)] public string State { get; init; } = "";

    /// <summary>ISO 3166-1 alpha-3 country.</summary>
    [Id(8)] public string Country { get; init; } = "";

    /// <summary>Latitude (OCPI decimal string).</summary>
    [Id(9)] public string Latitude { get; init; } = "";

    /// <summary>Longitude (OCPI decimal string).</summary>
    [Id(10)] public string Longitude { get; init; } = "";

    /// <summary>IANA time zone.</summary>
    [Id(11)] public string TimeZone { get; init; } = "";

    /// <summary>Opening times; null when unknown.</summary>
    [Id(12)] public HoursData? OpeningTimes { get; init; }

    /// <summary>Facilities (wire enum numbers).</summary>
    [Id(13)] public int[] Facilities { get; init; } = [];

    /// <summary>The EVSEs.</summary>
    [Id(14)] public EvseData[] Evses { get; init; } = [];

    /// <summary>When the location object was last changed by the CPO.</summary>
    [Id(15)] public required DateTimeOffset LastUpdated { get; init; }
}

/// <summary>OCPI <c>Hours</c>.</summary>
[GenerateSerializer, Immutable]
public sealed record HoursData
{
    /// <summary>Always open.</summary>
    [Id(0)] public bool TwentyFourSeven { get; init; }

    /// <summary>Weekly periods.</summary>
    [Id(1)] public RegularHoursData[] RegularHours { get; init; } = [];
}

/// <summary>OCPI <c>RegularHours</c>.</summary>
[GenerateSerializer, Immutable]
public sealed record RegularHoursData
{
    /// <summary>1 = Monday .. 7 = Sunday.</summary>
    [Id(0)] public int Weekday { get; init; }

    /// <summary>HH:MM.</summary>
    [Id(1)] public string PeriodBegin { get; init; } = "";

    /// <summary>HH:MM.</summary>
    [Id(2)] public string PeriodEnd { get; init; } = "";
}

/// <summary>OCPI <c>EVSE</c>.</summary>
[GenerateSerializer, Immutable]
public sealed record EvseData
{
    /// <summary>The EVSE's uid.</summary>
    [Id(0)] public required string Uid { get; init; }

    /// <summary>eMI3 EVSE ID.</summary>
    [Id(1)] public string EvseId { get; init; } = "";

    /// <summary>Current status.</summary>
    [Id(2)] public EvseStatus Status { get; init; }

    /// <summary>Floor level.</summary>
    [Id(3)] public string FloorLevel { get; init; } = "";

    /// <summary>Physical reference.</summary>
    [Id(4)] public string PhysicalReference { get; init; } = "";

    /// <summary>The connectors.</summary>
    [Id(5)] public ConnectorData[] Connectors { get; init; } = [];

    /// <summary>When the EVSE or its status last changed.</summary>
    [Id(6)] public required DateTimeOffset LastUpdated { get; init; }
}

/// <summary>OCPI <c>Connector</c>.</summary>
[GenerateSerializer, Immutable]
public sealed record ConnectorData
{
    /// <summary>Id within the EVSE.</summary>
    [Id(0)] public required string Id { get; init; }

    /// <summary>ConnectorType (wire enum number).</summary>
    [Id(1)] public int Standard { get; init; }

    /// <summary>ConnectorFormat (wire enum number).</summary>
    [Id(2)] public int Format { get; init; }

    /// <summary>PowerType (wire enum number).</summary>
    [Id(3)] public int PowerType { get; init; }

    /// <summary>Volts.</summary>
    [Id(4)] public int MaxVoltage { get; init; }

    /// <summary>Amperes.</summary>
    [Id(5)] public int MaxAmperage { get; init; }

    /// <summary>Watts; 0 when not given.</summary>
    [Id(6)] public int MaxElectricPower { get; init; }

    /// <summary>Tariff ids.</summary>
    [Id(7)] public string[] TariffIds { get; init; } = [];

    /// <summary>When it last changed.</summary>
    [Id(8)] public required DateTimeOffset LastUpdated { get; init; }
}

/// <summary>A partial update of a location's own fields (OCPI PATCH): null means unchanged.</summary>
[GenerateSerializer, Immutable]
public sealed record LocationPatch
{
    /// <summary>New publish flag.</summary>
    [Id(0)] public bool? Publish { get; init; }

    /// <summary>New name.</summary>
    [Id(1)] public string? Name { get; init; }

    /// <summary>New address.</summary>
    [Id(2)] public string? Address { get; init; }

    /// <summary>New city.</summary>
    [Id(3)] public string? City { get; init; }

    /// <summary>New postal code.</summary>
    [Id(4)] public string? PostalCode { get; init; }

    /// <summary>New state.</summary>
    [Id(5)] public string? State { get; init; }

    /// <summary>New country.</summary>
    [Id(6)] public string? Country { get; init; }

    /// <summary>New latitude (with longitude).</summary>
    [Id(7)] public string? Latitude { get; init; }

    /// <summary>New longitude (with latitude).</summary>
    [Id(8)] public string? Longitude { get; init; }

    /// <summary>New time zone.</summary>
    [Id(9)] public string? TimeZone { get; init; }

    /// <summary>New opening times.</summary>
    [Id(10)] public HoursData? OpeningTimes { get; init; }

    /// <summary>New facilities.</summary>
    [Id(11)] public int[]? Facilities { get; init; }

    /// <summary>When the change happened at the CPO.</summary>
    [Id(12)] public required DateTimeOffset LastUpdated { get; init; }

    /// <summary>EVSEs to add or replace by uid (the others stay); null means unchanged.</summary>
    [Id(13)] public EvseData[]? Evses { get; init; }
}

/// <summary>A partial update of one EVSE (OCPI PATCH): null means unchanged.</summary>
[GenerateSerializer, Immutable]
public sealed record EvsePatch
{
    /// <summary>The EVSE's uid.</summary>
    [Id(0)] public required string Uid { get; init; }

    /// <summary>New status.</summary>
    [Id(1)] public EvseStatus? Status { get; init; }

    /// <summary>New EVSE ID.</summary>
    [Id(2)] public string? EvseId { get; init; }

    /// <summary>New floor level.</summary>
    [Id(3)] public string? FloorLevel { get; init; }

    /// <summary>New physical reference.</summary>
    [Id(4)] public string? PhysicalReference { get; init; }

    /// <summary>New connectors.</summary>
    [Id(5)] public ConnectorData[]? Connectors { get; init; }

    /// <summary>When the change happened at the CPO.</summary>
    [Id(6)] public required DateTimeOffset LastUpdated { get; init; }
}

/// <summary>The outcome of a location write.</summary>
[GenerateSerializer, Immutable]
public sealed record LocationWriteResult
{
    /// <summary>False when the held version was newer and kept.</summary>
    [Id(0)] public bool Applied { get; init; }

    /// <summary>The location as now held, with current statuses.</summary>
    [Id(1)] public required LocationData Location { get; init; }
}

/// <summary>
/// A batch of status updates for one location, column-wise so it serializes compactly and the grain
/// applies it without per-update objects.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record StatusBatch
{
    /// <summary>EVSE uids.</summary>
    [Id(0)] public required string[] EvseUids { get; init; }

    /// <summary>Statuses, same length.</summary>
    [Id(1)] public required EvseStatus[] Statuses { get; init; }

    /// <summary>last_updated in UTC ticks, same length.</summary>
    [Id(2)] public required long[] LastUpdatedTicks { get; init; }
}

/// <summary>The outcome of each update of a <see cref="StatusBatch"/>, same order.</summary>
[GenerateSerializer, Immutable]
public sealed record StatusBatchResult
{
    /// <summary>Per-update outcomes.</summary>
    [Id(0)] public required StatusOutcome[] Outcomes { get; init; }
}

/// <summary>
/// A connector's earlier <c>tariff_ids</c>: the list it published from <see cref="Since"/> until a put or patch
/// replaced it at <see cref="Until"/>. CDR ingest judges a CDR's tariff by the list in force when its session started.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ConnectorTariffListing
{
    /// <summary>The EVSE's uid.</summary>
    [Id(0)] public required string EvseUid { get; init; }

    /// <summary>The connector's id within the EVSE.</summary>
    [Id(1)] public required string ConnectorId { get; init; }

    /// <summary>The tariff ids the connector listed.</summary>
    [Id(2)] public string[] TariffIds { get; init; } = [];

    /// <summary>The earliest instant the hub knows the list was in force (the connector's last change before, or the previous listing's end).</summary>
    [Id(3)] public required DateTimeOffset Since { get; init; }

    /// <summary>When the CPO replaced it (exclusive).</summary>
    [Id(4)] public required DateTimeOffset Until { get; init; }
}

/// <summary>What CDR pricing reads of a location: the location as held, and its connectors' earlier tariff lists.</summary>
[GenerateSerializer, Immutable]
public sealed record LocationPricingView
{
    /// <summary>The location with its current statuses.</summary>
    [Id(0)] public required LocationData Location { get; init; }

    /// <summary>Earlier tariff lists of its connectors, oldest first per connector (bounded, see <see cref="ConnectorTariffHistory"/>).</summary>
    [Id(1)] public ConnectorTariffListing[] TariffHistory { get; init; } = [];
}
