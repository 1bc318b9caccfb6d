using ClearingHouse.Application.Locations;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Locations;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Server.Grpc;
using Google.Protobuf.WellKnownTypes;
using DomainStatus = ClearingHouse.Domain.Locations.EvseStatus;
using ProtoStatus = ClearingHouse.Contracts.V1.EvseStatus;

namespace ClearingHouse.Server.Locations;

/// <summary>Validating conversions between location messages and the grains' records.</summary>
public static class LocationMapping
{
    /// <summary>The domain status; InvalidArgument naming <paramref name="field"/> when unspecified or unknown.</summary>
    public static DomainStatus ToStatus(ProtoStatus status, string field) =>
        status is > ProtoStatus.Unspecified and <= ProtoStatus.Unknown
            ? (DomainStatus)(int)status
            : throw new HubException(HubErrorCode.InvalidArgument, $"{field} must be one of OCPI's EVSE statuses", field);

    /// <summary>Checks an id field.</summary>
    public static string RequireId(string id, string field)
    {
        HubException.ThrowIfInvalid(LocationRules.ValidateId(id), field);
        return id;
    }

    /// <summary>Checks a last_updated field against the clock.</summary>
    public static DateTimeOffset RequireLastUpdated(Timestamp? timestamp, string field, DateTimeOffset now, TimeSpan maxSkew)
    {
        DateTimeOffset? t = timestamp is null ? null : ProtoMapping.ToInstant(timestamp, field);
        HubException.ThrowIfInvalid(LocationRules.ValidateLastUpdated(t, now, maxSkew), field);
        return t!.Value;
    }

    /// <summary>A party reference that must name a CPO.</summary>
    public static PartyKey ToCpoKey(PartyRef? party, string field)
    {
        var key = ProtoMapping.ToKey(party, field);
        if (key.Role != Domain.Parties.PartyRole.Cpo)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field}.role must be PARTY_ROLE_CPO", field + ".role");
        }

        return key;
    }

    /// <summary>Validates a list request and converts it.</summary>
    public static LocationListQuery ToQuery(ListLocationsRequest request)
    {
        var size = ProtoMapping.PageSize(request.Page);
        if (request.CountryCode.Length > 0)
        {
            HubException.ThrowIfInvalid(PartyRules.ValidateCountryCode(request.CountryCode), "country_code");
        }

        (string, string)? after = null;
        if (ProtoMapping.DecodePageToken(request.Page) is { } position)
        {
            var bar = position.IndexOf('|', StringComparison.Ordinal);
            after = bar > 0 ? (position[..bar], position[(bar + 1)..])
                : throw new HubException(HubErrorCode.InvalidArgument, "page.page_token is not a token this hub returned", "page.page_token");
        }

        return new LocationListQuery
        {
            Cpo = request.Cpo is null ? null : ToCpoKey(request.Cpo, "cpo"),
            CountryCode = request.CountryCode.Length > 0 ? request.CountryCode : null,
            UpdatedSince = request.UpdatedSince is null ? null : ProtoMapping.ToInstant(request.UpdatedSince, "updated_since"),
            After = after,
            Size = size,
        };
    }

    /// <summary>Validates a whole location of <paramref name="cpo"/> and converts it.</summary>
    public static LocationData ToData(Location? location, PartyKey cpo, DateTimeOffset now, TimeSpan maxSkew)
    {
        if (location is null)
        {
            throw new HubException(HubErrorCode.InvalidArgument, "location is required", "location");
        }

        if (location.Cpo is not null && (location.Cpo.CountryCode.Length > 0 || location.Cpo.PartyId.Length > 0)
            && ProtoMapping.ToKey(location.Cpo, "location.cpo") != cpo)
        {
            throw new HubException(HubErrorCode.PermissionDenied, $"a CPO may only write its own locations, not those of {location.Cpo.CountryCode}-{location.Cpo.PartyId}");
        }

        RequireId(location.Id, "location.id");
        Text(location.Name, 255, "location.name");
        Text(location.Address, 45, "location.address", required: true);
        Text(location.City, 45, "location.city", required: true);
        Text(location.PostalCode, 10, "location.postal_code");
        Text(location.State, 20, "location.state");
        HubException.ThrowIfInvalid(LocationRules.ValidateCountry3(location.Country), "location.country");
        var (lat, lon) = Coordinates(location.Coordinates, "location.coordinates", required: true);
        HubException.ThrowIfInvalid(LocationRules.ValidateTimeZone(location.TimeZone), "location.time_zone");
        var evses = Evses(location.Evses, "location.evses", now, maxSkew);
        return new LocationData
        {
            Cpo = cpo,
            Id = location.Id,
            Publish = location.Publish,
            Name = location.Name,
            Address = location.Address,
            City = location.City,
            PostalCode = location.PostalCode,
            State = location.State,
            Country = location.Country,
            Latitude = lat!,
            Longitude = lon!,
            TimeZone = location.TimeZone,
            OpeningTimes = ToData(location.OpeningTimes, "location.opening_times"),
            Facilities = Facilities(location.Facilities, "location.facilities"),
            Evses = evses,
            LastUpdated = RequireLastUpdated(location.LastUpdated, "location.last_updated", now, maxSkew),
        };
    }

    /// <summary>Validates a location patch and converts it.</summary>
    public static LocationPatch ToPatch(PatchLocationRequest request, DateTimeOffset now, TimeSpan maxSkew)
    {
        if (request.HasName)
        {
            Text(request.Name, 255, "name");
        }

        if (request.HasAddress)
        {
            Text(request.Address, 45, "address", required: true);
        }

        if (request.HasCity)
        {
            Text(request.City, 45, "city", required: true);
        }

        if (request.HasPostalCode)
        {
            Text(request.PostalCode, 10, "postal_code");
        }

        if (request.HasState)
        {
            Text(request.State, 20, "state");
        }

        if (request.HasCountry)
        {
            HubException.ThrowIfInvalid(LocationRules.ValidateCountry3(request.Country), "country");
        }

        if (request.HasTimeZone)
        {
            HubException.ThrowIfInvalid(LocationRules.ValidateTimeZone(request.TimeZone), "time_zone");
        }

        var (lat, lon) = Coordinates(request.Coordinates, "coordinates", required: false);
        return new LocationPatch
        {
            Publish = request.HasPublish ? request.Publish : null,
            Name = request.HasName ? request.Name : null,
            Address = request.HasAddress ? request.Address : null,
            City = request.HasCity ? request.City : null,
            PostalCode = request.HasPostalCode ? request.PostalCode : null,
            State = request.HasState ? request.State : null,
            Country = request.HasCountry ? request.Country : null,
            Latitude = lat,
            Longitude = lon,
            TimeZone = request.HasTimeZone ? request.TimeZone : null,
            OpeningTimes = ToData(request.OpeningTimes, "opening_times"),
            Facilities = request.ReplaceFacilities ? Facilities(request.Facilities, "facilities") : null,
            LastUpdated = RequireLastUpdated(request.LastUpdated, "last_updated", now, maxSkew),
            Evses = request.Evses.Count == 0 ? null : Evses(request.Evses, "evses", now, maxSkew),
        };
    }

    /// <summary>Validates an EVSE patch and converts it.</summary>
    public static EvsePatch ToPatch(PatchEvseRequest request, DateTimeOffset now, TimeSpan maxSkew)
    {
        RequireId(request.EvseUid, "evse_uid");
        if (request.HasEvseId)
        {
            Text(request.EvseId, 48, "evse_id");
        }

        if (request.HasFloorLevel)
        {
            Text(request.FloorLevel, 4, "floor_level");
        }

        if (request.HasPhysicalReference)
        {
            Text(request.PhysicalReference, 16, "physical_reference");
        }

        return new EvsePatch
        {
            Uid = request.EvseUid,
            Status = request.Status == ProtoStatus.Unspecified ? null : ToStatus(request.Status, "status"),
            EvseId = request.HasEvseId ? request.EvseId : null,
            FloorLevel = request.HasFloorLevel ? request.FloorLevel : null,
            PhysicalReference = request.HasPhysicalReference ? request.PhysicalReference : null,
            Connectors = request.Connectors.Count == 0 ? null : Connectors(request.Connectors, "connectors", now, maxSkew),
            LastUpdated = RequireLastUpdated(request.LastUpdated, "last_updated", now, maxSkew),
        };
    }

    /// <summary>The wire form of a stored location.</summary>
    public static Location ToProto(this LocationData location)
    {
        var proto = new Location
        {
            Cpo = location.Cpo.ToProto(),
            Id = location.Id,
            Publish = location.Publish,
            Name = location.Name,
            Address = location.Address,
            City = location.City,
            PostalCode = location.PostalCode,
            State = location.State,
            Country = location.Country,
            Coordinates = new GeoLocation { Latitude = location.Latitude, Longitude = location.Longitude },
            TimeZone = location.TimeZone,
            LastUpdated = Timestamp.FromDateTimeOffset(location.LastUpdated),
        };
        if (location.OpeningTimes is { } hours)
        {
            proto.OpeningTimes = new Hours { Twentyfourseven = hours.TwentyFourSeven };
            proto.OpeningTimes.RegularHours.AddRange(hours.RegularHours.Select(h => new RegularHours { Weekday = h.Weekday, PeriodBegin = h.PeriodBegin, PeriodEnd = h.PeriodEnd }));
        }

        proto.Facilities.AddRange(location.Facilities.Select(f => (Facility)f));
        foreach (var evse in location.Evses)
        {
            var e = new Evse
            {
                Uid = evse.Uid,
                EvseId = evse.EvseId,
                Status = (ProtoStatus)(int)evse.Status,
                FloorLevel = evse.FloorLevel,
                PhysicalReference = evse.PhysicalReference,
                LastUpdated = Timestamp.FromDateTimeOffset(evse.LastUpdated),
            };
            foreach (var c in evse.Connectors)
            {
                var connector = new Connector
                {
                    Id = c.Id,
                    Standard = (ConnectorType)c.Standard,
                    Format = (ConnectorFormat)c.Format,
                    PowerType = (PowerType)c.PowerType,
                    MaxVoltage = c.MaxVoltage,
                    MaxAmperage = c.MaxAmperage,
                    MaxElectricPower = c.MaxElectricPower,
                    LastUpdated = Timestamp.FromDateTimeOffset(c.LastUpdated),
                };
                connector.TariffIds.AddRange(c.TariffIds);
                e.Connectors.Add(connector);
            }

            proto.Evses.Add(e);
            if (evse.LastUpdated > location.LastUpdated)
            {
                // OCPI: a location's last_updated is the latest change of the location or any child.
                proto.LastUpdated = Timestamp.FromDateTimeOffset(evse.LastUpdated);
            }
        }

        return proto;
    }

    // Each EVSE validated; a uid named twice is refused.
    private static EvseData[] Evses(IList<Evse> list, string field, DateTimeOffset now, TimeSpan maxSkew)
    {
        var evses = new EvseData[list.Count];
        var uids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < evses.Length; i++)
        {
            evses[i] = ToData(list[i], $"{field}[{i}]", now, maxSkew);
            if (!uids.Add(evses[i].Uid))
            {
                throw new HubException(HubErrorCode.InvalidArgument, $"{field}[{i}].uid {evses[i].Uid} appears twice", $"{field}[{i}].uid");
            }
        }

        return evses;
    }

    private static EvseData ToData(Evse evse, string field, DateTimeOffset now, TimeSpan maxSkew)
    {
        RequireId(evse.Uid, field + ".uid");
        Text(evse.EvseId, 48, field + ".evse_id");
        Text(evse.FloorLevel, 4, field + ".floor_level");
        Text(evse.PhysicalReference, 16, field + ".physical_reference");
        if (evse.Connectors.Count == 0)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field}.connectors must have at least one connector", field + ".connectors");
        }

        return new EvseData
        {
            Uid = evse.Uid,
            EvseId = evse.EvseId,
            Status = ToStatus(evse.Status, field + ".status"),
            FloorLevel = evse.FloorLevel,
            PhysicalReference = evse.PhysicalReference,
            Connectors = Connectors(evse.Connectors, field + ".connectors", now, maxSkew),
            LastUpdated = RequireLastUpdated(evse.LastUpdated, field + ".last_updated", now, maxSkew),
        };
    }

    private static ConnectorData[] Connectors(IList<Connector> connectors, string field, DateTimeOffset now, TimeSpan maxSkew)
    {
        var result = new ConnectorData[connectors.Count];
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < result.Length; i++)
        {
            var c = connectors[i];
            var f = $"{field}[{i}]";
            RequireId(c.Id, f + ".id");
            if (!ids.Add(c.Id))
            {
                throw new HubException(HubErrorCode.InvalidArgument, $"{f}.id {c.Id} appears twice", f + ".id");
            }

            Defined(c.Standard, f + ".standard");
            Defined(c.Format, f + ".format");
            Defined(c.PowerType, f + ".power_type");
            if (c.MaxVoltage <= 0)
            {
                throw new HubException(HubErrorCode.InvalidArgument, $"{f}.max_voltage must be positive", f + ".max_voltage");
            }

            if (c.MaxAmperage <= 0)
            {
                throw new HubException(HubErrorCode.InvalidArgument, $"{f}.max_amperage must be positive", f + ".max_amperage");
            }

            if (c.MaxElectricPower < 0)
            {
                throw new HubException(HubErrorCode.InvalidArgument, $"{f}.max_electric_power must not be negative", f + ".max_electric_power");
            }

            for (var t = 0; t < c.TariffIds.Count; t++)
            {
                RequireId(c.TariffIds[t], $"{f}.tariff_ids[{t}]");
            }

            result[i] = new ConnectorData
            {
                Id = c.Id,
                Standard = (int)c.Standard,
                Format = (int)c.Format,
                PowerType = (int)c.PowerType,
                MaxVoltage = c.MaxVoltage,
                MaxAmperage = c.MaxAmperage,
                MaxElectricPower = c.MaxElectricPower,
                TariffIds = [.. c.TariffIds],
                LastUpdated = RequireLastUpdated(c.LastUpdated, f + ".last_updated", now, maxSkew),
            };
        }

        return result;
    }

    private static HoursData? ToData(Hours? hours, string field)
    {
        if (hours is null)
        {
            return null;
        }

        return OpeningHours.Validate(hours.Twentyfourseven, [.. hours.RegularHours.Select(h => (h.Weekday, (string?)h.PeriodBegin, (string?)h.PeriodEnd))], field);
    }

    private static int[] Facilities(IList<Facility> facilities, string field)
    {
        var result = new int[facilities.Count];
        for (var i = 0; i < result.Length; i++)
        {
            Defined(facilities[i], $"{field}[{i}]");
            result[i] = (int)facilities[i];
        }

        return result;
    }

    private static (string? Lat, string? Lon) Coordinates(GeoLocation? coordinates, string field, bool required)
    {
        if (coordinates is null)
        {
            return required ? throw new HubException(HubErrorCode.InvalidArgument, $"{field} is required", field) : (null, null);
        }

        HubException.ThrowIfInvalid(LocationRules.ValidateCoordinate(coordinates.Latitude, 90), field + ".latitude");
        HubException.ThrowIfInvalid(LocationRules.ValidateCoordinate(coordinates.Longitude, 180), field + ".longitude");
        return (coordinates.Latitude, coordinates.Longitude);
    }

    private static void Text(string value, int max, string field, bool required = false) =>
        HubException.ThrowIfInvalid(LocationRules.ValidateText(value, max, required), field);

    private static void Defined<TEnum>(TEnum value, string field)
        where TEnum : struct, System.Enum
    {
        if (!System.Enum.IsDefined(value) || Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field} must be a known {typeof(TEnum).Name} value", field);
        }
    }

    /// <summary>A location's connector tariff lists (<see cref="LocationsCore.TariffHistoryAsync"/>) as the wire shows them.</summary>
    public static GetConnectorTariffHistoryResponse ToProto(IReadOnlyList<Grains.Locations.ConnectorTariffListing> listings, DateTimeOffset? asOf)
    {
        ArgumentNullException.ThrowIfNull(listings);
        var response = new GetConnectorTariffHistoryResponse();
        foreach (var l in listings)
        {
            var listing = new Contracts.V1.ConnectorTariffListing
            {
                EvseUid = l.EvseUid, ConnectorId = l.ConnectorId, Since = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(l.Since),
                Until = l.Until == DateTimeOffset.MaxValue ? null : Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(l.Until),
            };
            listing.TariffIds.Add(l.TariffIds);
            response.Listings.Add(listing);
        }

        if (asOf is { } at)
        {
            foreach (var connector in listings.GroupBy(l => (l.EvseUid, l.ConnectorId)))
            {
                var listed = LocationsCore.ListedAt([.. connector], at);
                var entry = new ConnectorTariffsAsOf { EvseUid = connector.Key.EvseUid, ConnectorId = connector.Key.ConnectorId, Known = listed is not null };
                entry.TariffIds.Add(listed ?? []);
                response.AsOf.Add(entry);
            }
        }

        return response;
    }
}
