using System.Text;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Parties;
using Google.Protobuf.WellKnownTypes;
using PartyRole = ClearingHouse.Domain.Parties.PartyRole;
using ProtoRole = ClearingHouse.Contracts.V1.PartyRole;

namespace ClearingHouse.Server.Grpc;

/// <summary>Conversions between protobuf messages and the domain, validating on the way in.</summary>
public static class ProtoMapping
{
    /// <summary>Default and largest page sizes of every list.</summary>
    public const int DefaultPageSize = 100, MaxPageSize = 1000;

    /// <summary>The party key of a <see cref="PartyRef"/>; InvalidArgument naming <paramref name="field"/> when malformed.</summary>
    public static PartyKey ToKey(PartyRef? party, string field)
    {
        if (party is null)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field} is required", field);
        }

        HubException.ThrowIfInvalid(PartyRules.ValidateCountryCode(party.CountryCode), $"{field}.country_code");
        HubException.ThrowIfInvalid(PartyRules.ValidatePartyId(party.PartyId), $"{field}.party_id");
        return new PartyKey(party.CountryCode, party.PartyId, ToRole(party.Role, $"{field}.role"));
    }

    /// <summary>The domain role; InvalidArgument when unspecified or unknown.</summary>
    public static PartyRole ToRole(ProtoRole role, string field) => role switch
    {
        ProtoRole.Cpo => PartyRole.Cpo,
        ProtoRole.Emsp => PartyRole.Emsp,
        _ => throw new HubException(HubErrorCode.InvalidArgument, $"{field} must be PARTY_ROLE_CPO or PARTY_ROLE_EMSP", field),
    };

    /// <summary>
    /// <paramref name="value"/> when it is one of the proto enum's values (UNSPECIFIED included); InvalidArgument naming
    /// <paramref name="field"/> for a number the proto does not define (99, -1), which must not read as "not set".
    /// </summary>
    public static T Known<T>(T value, string field)
        where T : struct, System.Enum =>
        System.Enum.IsDefined(value)
            ? value
            : throw new HubException(HubErrorCode.InvalidArgument, $"{field} {Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)} is not a {typeof(T).Name} value", field);

    /// <summary>The wire form of a party key.</summary>
    public static PartyRef ToProto(this PartyKey key) => new()
    {
        CountryCode = key.CountryCode,
        PartyId = key.PartyId,
        Role = key.Role == PartyRole.Cpo ? ProtoRole.Cpo : ProtoRole.Emsp,
    };

    /// <summary>The wire form of a party.</summary>
    public static Party ToProto(this PartyRecord party) => new()
    {
        Ref = party.Key.ToProto(),
        Name = party.Name,
        Status = party.Status switch
        {
            Grains.Parties.PartyStatus.Active => Contracts.V1.PartyStatus.Active,
            Grains.Parties.PartyStatus.Archived => Contracts.V1.PartyStatus.Archived,
            _ => Contracts.V1.PartyStatus.Suspended,
        },
        RegisteredAt = Timestamp.FromDateTimeOffset(party.RegisteredAt),
        UpdatedAt = Timestamp.FromDateTimeOffset(party.UpdatedAt),
    };

    /// <summary>A timestamp as UTC; InvalidArgument naming the field when out of range.</summary>
    public static DateTimeOffset ToInstant(Timestamp timestamp, string field)
    {
        if (timestamp.Seconds < -62135596800 || timestamp.Seconds > 253402300799 || timestamp.Nanos is < 0 or > 999_999_999)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field} is not a valid timestamp", field);
        }

        return timestamp.ToDateTimeOffset();
    }

    /// <summary>The page info of a core page: the next page token wraps the core's position (empty on the last page).</summary>
    public static PageInfo NextPage(string? position) =>
        new() { NextPageToken = position is null ? "" : EncodePageToken(position) };

    /// <summary>The page size asked for, defaulted and clamped; InvalidArgument when negative.</summary>
    public static int PageSize(PageRequest? page)
    {
        var size = page?.PageSize ?? 0;
        return size < 0
            ? throw new HubException(HubErrorCode.InvalidArgument, "page.page_size must not be negative", "page.page_size")
            : size == 0 ? DefaultPageSize : Math.Min(size, MaxPageSize);
    }

    /// <summary>Encodes a keyset position as an opaque page token.</summary>
    public static string EncodePageToken(string position) => Convert.ToBase64String(Encoding.UTF8.GetBytes(position));

    /// <summary>Decodes a page token, or null for the first page; InvalidArgument when it was not made by the hub.</summary>
    public static string? DecodePageToken(PageRequest? page)
    {
        if (string.IsNullOrEmpty(page?.PageToken))
        {
            return null;
        }

        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(page.PageToken));
        }
        catch (FormatException)
        {
            throw new HubException(HubErrorCode.InvalidArgument, "page.page_token is not a token this hub returned", "page.page_token");
        }
    }
}
