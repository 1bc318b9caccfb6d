using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Tokens;
using Google.Protobuf.WellKnownTypes;
using ProtoAllowed = ClearingHouse.Contracts.V1.AllowedType;
using ProtoProfile = ClearingHouse.Contracts.V1.ProfileType;
using ProtoToken = ClearingHouse.Contracts.V1.Token;
using ProtoTokenType = ClearingHouse.Contracts.V1.TokenType;
using ProtoWhitelist = ClearingHouse.Contracts.V1.WhitelistType;

namespace ClearingHouse.Server.Grpc;

/// <summary>Conversions of tokens between protobuf and the hub, validating on the way in.</summary>
public static class TokenProtoMapping
{
    /// <summary>Longest display text (OCPI DisplayText.text).</summary>
    public const int MaxInfoLength = 512;

    /// <summary>Most EVSE uids in one request.</summary>
    public const int MaxEvseUids = 100;

    /// <summary>
    /// The token of <paramref name="caller"/>: InvalidArgument naming the field when malformed,
    /// PermissionDenied when its country_code/party_id are not the caller's.
    /// </summary>
    public static TokenRecord ToRecord(ProtoToken? token, PartyKey caller, DateTimeOffset now, string field)
    {
        if (token is null)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field} is required", field);
        }

        HubException.ThrowIfInvalid(TokenRules.ValidateUid(token.Uid), $"{field}.uid");
        var type = ToType(token.Type, $"{field}.type");
        if (token.CountryCode != caller.CountryCode || token.PartyId != caller.PartyId)
        {
            throw new HubException(HubErrorCode.PermissionDenied, $"{field} belongs to {token.CountryCode}-{token.PartyId}; an EMSP may only put tokens under its own country_code and party_id ({caller.CountryCode}-{caller.PartyId})");
        }

        HubException.ThrowIfInvalid(TokenRules.ValidateId(token.ContractId, required: true), $"{field}.contract_id");
        HubException.ThrowIfInvalid(TokenRules.ValidateText(token.VisualNumber, required: false), $"{field}.visual_number");
        HubException.ThrowIfInvalid(TokenRules.ValidateText(token.Issuer, required: true), $"{field}.issuer");
        HubException.ThrowIfInvalid(TokenRules.ValidateId(token.GroupId, required: false), $"{field}.group_id");
        HubException.ThrowIfInvalid(TokenRules.ValidateLanguage(token.Language), $"{field}.language");
        var whitelist = ToWhitelist(token.Whitelist, $"{field}.whitelist");
        var profile = ToProfile(token.DefaultProfileType, $"{field}.default_profile_type");
        if (token.EnergyContract is { } energy)
        {
            ValidateEnergy(energy, $"{field}.energy_contract");
        }

        return new TokenRecord
        {
            Owner = caller,
            Uid = token.Uid,
            Type = type,
            ContractId = token.ContractId,
            VisualNumber = NullIfEmpty(token.VisualNumber),
            Issuer = token.Issuer,
            GroupId = NullIfEmpty(token.GroupId),
            Valid = token.Valid,
            Whitelist = whitelist,
            Language = NullIfEmpty(token.Language),
            DefaultProfileType = profile,
            EnergySupplierName = token.EnergyContract?.SupplierName,
            EnergyContractId = NullIfEmpty(token.EnergyContract?.ContractId),
            LastUpdated = token.LastUpdated is { } updated ? ToTime(updated, $"{field}.last_updated") : now,
        };
    }

    /// <summary>The patch of a PatchToken request.</summary>
    public static TokenPatch ToPatch(Contracts.V1.PatchTokenRequest request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.HasContractId)
        {
            HubException.ThrowIfInvalid(TokenRules.ValidateId(request.ContractId, required: true), "contract_id");
        }

        if (request.HasVisualNumber)
        {
            HubException.ThrowIfInvalid(TokenRules.ValidateText(request.VisualNumber, required: false), "visual_number");
        }

        if (request.HasIssuer)
        {
            HubException.ThrowIfInvalid(TokenRules.ValidateText(request.Issuer, required: true), "issuer");
        }

        if (request.HasGroupId)
        {
            HubException.ThrowIfInvalid(TokenRules.ValidateId(request.GroupId, required: false), "group_id");
        }

        if (request.HasLanguage)
        {
            HubException.ThrowIfInvalid(TokenRules.ValidateLanguage(request.Language), "language");
        }

        if (request.EnergyContract is { } energy)
        {
            ValidateEnergy(energy, "energy_contract");
        }

        return new TokenPatch
        {
            ContractId = request.HasContractId ? request.ContractId : null,
            VisualNumber = request.HasVisualNumber ? request.VisualNumber : null,
            Issuer = request.HasIssuer ? request.Issuer : null,
            GroupId = request.HasGroupId ? request.GroupId : null,
            Valid = request.HasValid ? request.Valid : null,
            Whitelist = request.Whitelist == ProtoWhitelist.Unspecified ? null : ToWhitelist(request.Whitelist, "whitelist"),
            Language = request.HasLanguage ? request.Language : null,
            DefaultProfileType = ToProfile(request.DefaultProfileType, "default_profile_type"),
            EnergySupplierName = request.EnergyContract?.SupplierName,
            EnergyContractId = request.EnergyContract?.ContractId,
            LastUpdated = request.LastUpdated is { } updated ? ToTime(updated, "last_updated") : now,
        };
    }

    /// <summary>The token type; InvalidArgument when unspecified or unknown.</summary>
    public static TokenType ToType(ProtoTokenType type, string field) =>
        type is ProtoTokenType.AdHocUser or ProtoTokenType.AppUser or ProtoTokenType.Other or ProtoTokenType.Rfid
            ? (TokenType)type
            : throw new HubException(HubErrorCode.InvalidArgument, $"{field} must be one of AD_HOC_USER, APP_USER, OTHER, RFID", field);

    /// <summary>The wire form of a token.</summary>
    public static ProtoToken ToProto(this TokenRecord token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var proto = new ProtoToken
        {
            CountryCode = token.Owner.CountryCode,
            PartyId = token.Owner.PartyId,
            Uid = token.Uid,
            Type = (ProtoTokenType)token.Type,
            ContractId = token.ContractId,
            VisualNumber = token.VisualNumber ?? "",
            Issuer = token.Issuer,
            GroupId = token.GroupId ?? "",
            Valid = token.Valid,
            Whitelist = (ProtoWhitelist)token.Whitelist,
            Language = token.Language ?? "",
            DefaultProfileType = token.DefaultProfileType is { } p ? (ProtoProfile)p : ProtoProfile.Unspecified,
            LastUpdated = Timestamp.FromDateTimeOffset(token.LastUpdated),
        };
        if (token.EnergySupplierName is { } supplier)
        {
            proto.EnergyContract = new Contracts.V1.EnergyContract { SupplierName = supplier, ContractId = token.EnergyContractId ?? "" };
        }

        return proto;
    }

    /// <summary>An EMSP's answer; null when malformed.</summary>
    public static AllowedType? ToAllowed(ProtoAllowed allowed) =>
        allowed is >= ProtoAllowed.Allowed and <= ProtoAllowed.NotAllowed ? (AllowedType)allowed : null;

    private static WhitelistType ToWhitelist(ProtoWhitelist whitelist, string field) =>
        whitelist is >= ProtoWhitelist.Always and <= ProtoWhitelist.Never
            ? (WhitelistType)whitelist
            : throw new HubException(HubErrorCode.InvalidArgument, $"{field} must be one of ALWAYS, ALLOWED, ALLOWED_OFFLINE, NEVER", field);

    private static ProfileType? ToProfile(ProtoProfile profile, string field) => profile switch
    {
        ProtoProfile.Unspecified => null,
        >= ProtoProfile.Cheapest and <= ProtoProfile.Regular => (ProfileType)profile,
        _ => throw new HubException(HubErrorCode.InvalidArgument, $"{field} must be one of CHEAPEST, FASTEST, GREEN, REGULAR", field),
    };

    private static void ValidateEnergy(Contracts.V1.EnergyContract energy, string field)
    {
        HubException.ThrowIfInvalid(TokenRules.ValidateText(energy.SupplierName, required: true), $"{field}.supplier_name");
        HubException.ThrowIfInvalid(TokenRules.ValidateId(energy.ContractId, required: false, maxLength: TokenRules.MaxTextLength), $"{field}.contract_id");
    }

    private static DateTimeOffset ToTime(Timestamp timestamp, string field)
    {
        try
        {
            return timestamp.ToDateTimeOffset();
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field} is out of range", field);
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
