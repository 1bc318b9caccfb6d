using System.Globalization;

namespace ClearingHouse.Domain.Locations;

/// <summary>
/// Field rules of OCPI 2.2.1 locations. Each returns null when valid or a short reason ("must ...")
/// the caller prefixes with the field's name.
/// </summary>
public static class LocationRules
{
    /// <summary>Longest location id, EVSE uid and connector id (OCPI CiString(36)).</summary>
    public const int MaxIdLength = 36;

    /// <summary>Checks a location id, EVSE uid or connector id: 1-36 of [A-Za-z0-9._-] (URL-safe, as OCPI uses them in URLs).</summary>
    public static string? ValidateId(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            return "is required";
        }

        if (id.Length > MaxIdLength)
        {
            return $"must be at most {MaxIdLength} characters";
        }

        foreach (var c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return "must contain only letters, digits, '.', '_' and '-'";
            }
        }

        return null;
    }

    /// <summary>Checks a free-text field's length (empty allowed unless <paramref name="required"/>).</summary>
    public static string? ValidateText(string? text, int maxLength, bool required = false) =>
        string.IsNullOrWhiteSpace(text) ? (required ? "is required" : null)
        : text.Length > maxLength ? $"must be at most {maxLength} characters"
        : null;

    /// <summary>Checks an ISO 3166-1 alpha-3 country code (3 upper-case letters).</summary>
    public static string? ValidateCountry3(string? country) =>
        country is { Length: 3 } && country.All(char.IsAsciiLetterUpper) ? null : "must be an ISO 3166-1 alpha-3 code, for example NLD";

    /// <summary>Checks an OCPI latitude or longitude: a decimal string within the bound, at most 7 decimals.</summary>
    public static string? ValidateCoordinate(string? value, double bound)
    {
        // OCPI's pattern -?[0-9]{1,3}\.[0-9]{5,7} allows "-179.1234567" (12 characters) for a longitude, one more
        // than its declared string(11); the pattern is what CPOs send, so the limit follows it.
        if (string.IsNullOrEmpty(value) || value.Length > (bound > 90 ? 12 : 11))
        {
            return "must be a decimal degree string, for example 51.0475760";
        }

        var dot = value.IndexOf('.', StringComparison.Ordinal);
        if ((dot >= 0 && value.Length - dot - 1 > 7)
            || !double.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var d)
            || Math.Abs(d) > bound)
        {
            return $"must be a decimal degree string between -{bound} and {bound} with at most 7 decimals";
        }

        return null;
    }

    /// <summary>Checks an IANA time zone id known to this machine.</summary>
    public static string? ValidateTimeZone(string? zone)
    {
        if (string.IsNullOrEmpty(zone) || zone.Length > 255)
        {
            return "is required (an IANA time zone, for example Europe/Amsterdam)";
        }

        return TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _) ? null : "is not a known IANA time zone";
    }

    /// <summary>Checks an OCPI "HH:MM" local time (00:00 to 24:00).</summary>
    public static string? ValidateHourMinute(string? time) =>
        time is { Length: 5 } && time[2] == ':'
        && int.TryParse(time.AsSpan(0, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var h)
        && int.TryParse(time.AsSpan(3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var m)
        && ((h < 24 && m < 60) || (h == 24 && m == 0))
            ? null
            : "must be HH:MM between 00:00 and 24:00";

    /// <summary>Checks a <c>last_updated</c>: present and not further in the future than <paramref name="maxSkew"/>.</summary>
    public static string? ValidateLastUpdated(DateTimeOffset? lastUpdated, DateTimeOffset now, TimeSpan maxSkew) =>
        lastUpdated is not { } t ? "is required"
        : t - now > maxSkew ? $"is more than {maxSkew.TotalSeconds:0} s in the future"
        : t.Year < 2000 ? "is before the year 2000"
        : null;

    /// <summary>Checks one status update; null when it may be applied.</summary>
    public static string? ValidateUpdate(in StatusUpdate update, DateTimeOffset now, TimeSpan maxSkew)
    {
        if (ValidateId(update.LocationId) is { } l)
        {
            return "location_id " + l;
        }

        if (ValidateId(update.EvseUid) is { } e)
        {
            return "evse_uid " + e;
        }

        if (update.Status is EvseStatus.Unspecified || update.Status > EvseStatus.Unknown)
        {
            return "status must be one of OCPI's EVSE statuses";
        }

        return ValidateLastUpdated(update.LastUpdatedTicks == 0 ? null : update.LastUpdated, now, maxSkew) is { } t
            ? "last_updated " + t
            : null;
    }
}
