using ClearingHouse.Application.Locations;
using ClearingHouse.Domain.Locations;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Ocpi.Transport;

namespace ClearingHouse.Ocpi.Locations;

/// <summary>
/// Validating conversions between OCPI location objects and the core's records, with the same rules
/// (<see cref="LocationRules"/>) and the same field limits as the gRPC edge; each refusal names the OCPI field.
/// </summary>
public static class OcpiLocationMapping
{
    // OCPI's names, indexed by the number the core keeps (the same numbering as the gRPC enums; 0 = none).
    private static readonly string[] Standards =
    [
        "", "CHADEMO", "CHAOJI", "DOMESTIC_A", "DOMESTIC_B", "DOMESTIC_C", "DOMESTIC_D", "DOMESTIC_E", "DOMESTIC_F",
        "DOMESTIC_G", "DOMESTIC_H", "DOMESTIC_I", "DOMESTIC_J", "DOMESTIC_K", "DOMESTIC_L", "DOMESTIC_M", "DOMESTIC_N",
        "DOMESTIC_O", "GBT_AC", "GBT_DC", "IEC_60309_2_single_16", "IEC_60309_2_three_16", "IEC_60309_2_three_32",
        "IEC_60309_2_three_64", "IEC_62196_T1", "IEC_62196_T1_COMBO", "IEC_62196_T2", "IEC_62196_T2_COMBO",
        "IEC_62196_T3A", "IEC_62196_T3C", "NEMA_10_30", "NEMA_10_50", "NEMA_14_30", "NEMA_14_50", "NEMA_5_20",
        "NEMA_6_30", "NEMA_6_50", "PANTOGRAPH_BOTTOM_UP", "PANTOGRAPH_TOP_DOWN", "TESLA_R", "TESLA_S",
    ];

    private static readonly string[] Formats = ["", "SOCKET", "CABLE"];

    private static readonly string[] PowerTypes = ["", "AC_1_PHASE", "AC_2_PHASE", "AC_2_PHASE_SPLIT", "AC_3_PHASE", "DC"];

    private static readonly string[] FacilityNames =
    [
        "", "HOTEL", "RESTAURANT", "CAFE", "MALL", "SUPERMARKET", "SPORT", "RECREATION_AREA", "NATURE", "MUSEUM",
        "BIKE_SHARING", "BUS_STOP", "TAXI_STAND", "TRAM_STOP", "METRO_STATION", "TRAIN_STATION", "AIRPORT",
        "PARKING_LOT", "CARPOOL_PARKING", "FUEL_STATION", "WIFI",
    ];

    /// <summary>OCPI's EVSE status names, indexed by <see cref="EvseStatus"/>.</summary>
    internal static readonly string[] Statuses =
        ["", "AVAILABLE", "BLOCKED", "CHARGING", "INOPERATIVE", "OUTOFORDER", "PLANNED", "REMOVED", "RESERVED", "UNKNOWN"];

    /// <summary>
    /// The CPO a receiver URL names (<c>{country_code}/{party_id}</c>); PermissionDenied unless it is the caller, as a
    /// CPO may only write its own locations over gRPC too.
    /// </summary>
    public static PartyKey RequireOwnCpo(PartyKey caller, string countryCode, string partyId)
    {
        if (!string.Equals(countryCode, caller.CountryCode, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(partyId, caller.PartyId, StringComparison.OrdinalIgnoreCase))
        {
            throw new HubException(HubErrorCode.PermissionDenied, $"a CPO may only write its own locations, not those of {Short(countryCode, 2)}-{Short(partyId, 3)}");
        }

        return caller.Role == PartyRole.Cpo
            ? caller
            : throw new HubException(HubErrorCode.PermissionDenied, "only a party with role CPO may call this method");
    }

    /// <summary>A whole location of <paramref name="cpo"/> at <paramref name="locationId"/> (the URL's), validated.</summary>
    public static LocationData ToData(OcpiLocation location, PartyKey cpo, string locationId, DateTimeOffset now, TimeSpan maxSkew)
    {
        ArgumentNullException.ThrowIfNull(location);
        MatchesUrl(location.CountryCode, cpo.CountryCode, "country_code");
        MatchesUrl(location.PartyId, cpo.PartyId, "party_id");
        MatchesUrl(location.Id, locationId, "id");
        Id(locationId, "id");
        Text(location.Name, 255, "name");
        Text(location.Address, 45, "address", required: true);
        Text(location.City, 45, "city", required: true);
        Text(location.PostalCode, 10, "postal_code");
        Text(location.State, 20, "state");
        HubException.ThrowIfInvalid(LocationRules.ValidateCountry3(location.Country), "country");
        var (lat, lon) = Coordinates(location.Coordinates, "coordinates", required: true);
        HubException.ThrowIfInvalid(LocationRules.ValidateTimeZone(location.TimeZone), "time_zone");
        return new LocationData
        {
            Cpo = cpo,
            Id = locationId,
            Publish = OcpiFields.Required(location.Publish, "publish"),
            Name = location.Name ?? "",
            Address = location.Address!,
            City = location.City!,
            PostalCode = location.PostalCode ?? "",
            State = location.State ?? "",
            Country = location.Country!,
            Latitude = lat!,
            Longitude = lon!,
            TimeZone = location.TimeZone!,
            OpeningTimes = Hours(location.OpeningTimes, "opening_times"),
            Facilities = [.. (location.Facilities ?? []).Select((f, i) => Named(FacilityNames, f, $"facilities[{i}]"))],
            Evses = Evses(location.Evses ?? [], "evses", now, maxSkew),
            LastUpdated = LastUpdated(location.LastUpdated, "last_updated", now, maxSkew),
        };
    }

    /// <summary>A location patch (the fields given; <c>last_updated</c> required), validated.</summary>
    public static LocationPatch ToPatch(OcpiLocation patch, DateTimeOffset now, TimeSpan maxSkew)
    {
        ArgumentNullException.ThrowIfNull(patch);
        Text(patch.Name, 255, "name");
        if (patch.Address is not null)
        {
            Text(patch.Address, 45, "address", required: true);
        }

        if (patch.City is not null)
        {
            Text(patch.City, 45, "city", required: true);
        }

        Text(patch.PostalCode, 10, "postal_code");
        Text(patch.State, 20, "state");
        if (patch.Country is not null)
        {
            HubException.ThrowIfInvalid(LocationRules.ValidateCountry3(patch.Country), "country");
        }

        if (patch.TimeZone is not null)
        {
            HubException.ThrowIfInvalid(LocationRules.ValidateTimeZone(patch.TimeZone), "time_zone");
        }

        var (lat, lon) = Coordinates(patch.Coordinates, "coordinates", required: false);
        return new LocationPatch
        {
            Publish = patch.Publish,
            Name = patch.Name,
            Address = patch.Address,
            City = patch.City,
            PostalCode = patch.PostalCode,
            State = patch.State,
            Country = patch.Country,
            Latitude = lat,
            Longitude = lon,
            TimeZone = patch.TimeZone,
            OpeningTimes = Hours(patch.OpeningTimes, "opening_times"),
            Facilities = patch.Facilities is null ? null : [.. patch.Facilities.Select((f, i) => Named(FacilityNames, f, $"facilities[{i}]"))],
            Evses = patch.Evses is null ? null : Evses(patch.Evses, "evses", now, maxSkew),
            LastUpdated = LastUpdated(patch.LastUpdated, "last_updated", now, maxSkew),
        };
    }

    /// <summary>An EVSE patch of the EVSE <paramref name="evseUid"/> (the URL's), validated.</summary>
    public static EvsePatch ToPatch(OcpiEvse patch, string evseUid, DateTimeOffset now, TimeSpan maxSkew)
    {
        ArgumentNullException.ThrowIfNull(patch);
        Id(evseUid, "uid");
        MatchesUrl(patch.Uid, evseUid, "uid");
        Text(patch.EvseId, 48, "evse_id");
        Text(patch.FloorLevel, 4, "floor_level");
        Text(patch.PhysicalReference, 16, "physical_reference");
        return new EvsePatch
        {
            Uid = evseUid,
            Status = patch.Status is null ? null : (EvseStatus)Named(Statuses, patch.Status, "status"),
            EvseId = patch.EvseId,
            FloorLevel = patch.FloorLevel,
            PhysicalReference = patch.PhysicalReference,
            Connectors = patch.Connectors is null ? null : Connectors(patch.Connectors, "connectors", now, maxSkew),
            LastUpdated = LastUpdated(patch.LastUpdated, "last_updated", now, maxSkew),
        };
    }

    /// <summary>The OCPI form of a stored location.</summary>
    public static OcpiLocation ToOcpi(LocationData location)
    {
        ArgumentNullException.ThrowIfNull(location);
        return new OcpiLocation(
            location.Cpo.CountryCode, location.Cpo.PartyId, location.Id, location.Publish, Empty(location.Name), location.Address,
            location.City, Empty(location.PostalCode), Empty(location.State), location.Country,
            new OcpiGeoLocation(location.Latitude, location.Longitude),
            [.. location.Evses.Select(e => new OcpiEvse(
                e.Uid, Empty(e.EvseId), Statuses[(int)e.Status],
                [.. e.Connectors.Select(c => new OcpiConnector(
                    c.Id, Standards[c.Standard], Formats[c.Format], PowerTypes[c.PowerType], c.MaxVoltage, c.MaxAmperage,
                    c.MaxElectricPower == 0 ? null : c.MaxElectricPower, c.TariffIds.Length == 0 ? null : c.TariffIds, c.LastUpdated))],
                Empty(e.FloorLevel), Empty(e.PhysicalReference), e.LastUpdated))],
            location.Facilities.Length == 0 ? null : [.. location.Facilities.Select(f => FacilityNames[f])],
            location.TimeZone,
            location.OpeningTimes is { } h
                ? new OcpiHours(h.TwentyFourSeven, h.RegularHours.Length == 0 ? null : [.. h.RegularHours.Select(r => new OcpiRegularHours(r.Weekday, r.PeriodBegin, r.PeriodEnd))])
                : null,
            location.LastUpdated);
    }

    private static string? Empty(string value) => value.Length == 0 ? null : value;

    private static string Short(string value, int max) => value.Length > max ? value[..max] + "..." : value;

    private static void MatchesUrl(string? value, string url, string field)
    {
        if (value is not null && !string.Equals(value, url, StringComparison.OrdinalIgnoreCase))
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field} '{Short(value, 36)}' differs from the URL's '{Short(url, 36)}'", field);
        }
    }

    private static void Id(string? id, string field) => HubException.ThrowIfInvalid(LocationRules.ValidateId(id), field);

    private static void Text(string? value, int max, string field, bool required = false)
    {
        if (value is not null || required)
        {
            HubException.ThrowIfInvalid(LocationRules.ValidateText(value, max, required), field);
        }
    }

    private static int Named(string[] names, string? value, string field)
    {
        var text = OcpiFields.Required(value, field);
        var index = Array.IndexOf(names, text);
        return index > 0
            ? index
            : throw new HubException(HubErrorCode.InvalidArgument, $"{field}: unknown value '{Short(text, 40)}'", field);
    }

    private static DateTimeOffset LastUpdated(DateTimeOffset? value, string field, DateTimeOffset now, TimeSpan maxSkew)
    {
        HubException.ThrowIfInvalid(LocationRules.ValidateLastUpdated(value, now, maxSkew), field);
        return value!.Value;
    }

    private static (string? Lat, string? Lon) Coordinates(OcpiGeoLocation? coordinates, string field, bool required)
    {
        if (coordinates is null)
        {
            return required ? throw new HubException(HubErrorCode.InvalidArgument, $"{field} is required", field) : (null, null);
        }

        HubException.ThrowIfInvalid(LocationRules.ValidateCoordinate(coordinates.Latitude, 90), field + ".latitude");
        HubException.ThrowIfInvalid(LocationRules.ValidateCoordinate(coordinates.Longitude, 180), field + ".longitude");
        return (coordinates.Latitude, coordinates.Longitude);
    }

    private static HoursData? Hours(OcpiHours? hours, string field)
    {
        if (hours is null)
        {
            return null;
        }

        var twentyFourSeven = OcpiFields.Required(hours.Twentyfourseven, field + ".twentyfourseven");
        var list = hours.RegularHours ?? [];
        var regular = new (int Weekday, string? PeriodBegin, string? PeriodEnd)[list.Count];
        for (var i = 0; i < regular.Length; i++)
        {
            var f = $"{field}.regular_hours[{i}]";
            var h = OcpiFields.Required(list[i], f);
            regular[i] = (OcpiFields.Required(h.Weekday, f + ".weekday"), h.PeriodBegin, h.PeriodEnd);
        }

        return OpeningHours.Validate(twentyFourSeven, regular, field);
    }

    private static EvseData[] Evses(IReadOnlyList<OcpiEvse?> list, string field, DateTimeOffset now, TimeSpan maxSkew)
    {
        var evses = new EvseData[list.Count];
        var uids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < evses.Length; i++)
        {
            var f = $"{field}[{i}]";
            var evse = OcpiFields.Required(list[i], f);
            Id(evse.Uid, f + ".uid");
            if (!uids.Add(evse.Uid!))
            {
                throw new HubException(HubErrorCode.InvalidArgument, $"{f}.uid {evse.Uid} appears twice", f + ".uid");
            }

            Text(evse.EvseId, 48, f + ".evse_id");
            Text(evse.FloorLevel, 4, f + ".floor_level");
            Text(evse.PhysicalReference, 16, f + ".physical_reference");
            var connectors = OcpiFields.Required(evse.Connectors, f + ".connectors");
            if (connectors.Count == 0)
            {
                throw new HubException(HubErrorCode.InvalidArgument, $"{f}.connectors must have at least one connector", f + ".connectors");
            }

            evses[i] = new EvseData
            {
                Uid = evse.Uid!,
                EvseId = evse.EvseId ?? "",
                Status = (EvseStatus)Named(Statuses, evse.Status, f + ".status"),
                FloorLevel = evse.FloorLevel ?? "",
                PhysicalReference = evse.PhysicalReference ?? "",
                Connectors = Connectors(connectors, f + ".connectors", now, maxSkew),
                LastUpdated = LastUpdated(evse.LastUpdated, f + ".last_updated", now, maxSkew),
            };
        }

        return evses;
    }

    private static ConnectorData[] Connectors(IReadOnlyList<OcpiConnector?> list, string field, DateTimeOffset now, TimeSpan maxSkew)
    {
        var result = new ConnectorData[list.Count];
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < result.Length; i++)
        {
            var f = $"{field}[{i}]";
            var c = OcpiFields.Required(list[i], f);
            Id(c.Id, f + ".id");
            if (!ids.Add(c.Id!))
            {
                throw new HubException(HubErrorCode.InvalidArgument, $"{f}.id {c.Id} appears twice", f + ".id");
            }

            var voltage = OcpiFields.Required(c.MaxVoltage, f + ".max_voltage");
            var amperage = OcpiFields.Required(c.MaxAmperage, f + ".max_amperage");
            if (voltage <= 0)
            {
                throw new HubException(HubErrorCode.InvalidArgument, $"{f}.max_voltage must be positive", f + ".max_voltage");
            }

            if (amperage <= 0)
            {
                throw new HubException(HubErrorCode.InvalidArgument, $"{f}.max_amperage must be positive", f + ".max_amperage");
            }

            if (c.MaxElectricPower < 0)
            {
                throw new HubException(HubErrorCode.InvalidArgument, $"{f}.max_electric_power must not be negative", f + ".max_electric_power");
            }

            var tariffs = c.TariffIds ?? [];
            for (var t = 0; t < tariffs.Count; t++)
            {
                Id(tariffs[t], $"{f}.tariff_ids[{t}]");
            }

            result[i] = new ConnectorData
            {
                Id = c.Id!,
                Standard = Named(Standards, c.Standard, f + ".standard"),
                Format = Named(Formats, c.Format, f + ".format"),
                PowerType = Named(PowerTypes, c.PowerType, f + ".power_type"),
                MaxVoltage = voltage,
                MaxAmperage = amperage,
                MaxElectricPower = c.MaxElectricPower ?? 0,
                TariffIds = [.. tariffs.Select(t => t!)],
                LastUpdated = LastUpdated(c.LastUpdated, f + ".last_updated", now, maxSkew),
            };
        }

        return result;
    }
}
