using System.Runtime.CompilerServices;
using ClearingHouse.Application.Tokens;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Tokens;
using ClearingHouse.Server.Grpc;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using AllowedType = ClearingHouse.Domain.Tokens.AllowedType;
using PartyRole = ClearingHouse.Domain.Parties.PartyRole;
using ProfileType = ClearingHouse.Domain.Tokens.ProfileType;
using TokenType = ClearingHouse.Domain.Tokens.TokenType;
using WhitelistType = ClearingHouse.Domain.Tokens.WhitelistType;
using ProtoAllowed = ClearingHouse.Contracts.V1.AllowedType;
using ProtoDisplayText = ClearingHouse.Contracts.V1.DisplayText;
using ProtoSource = ClearingHouse.Contracts.V1.DecisionSource;
using ProtoProfile = ClearingHouse.Contracts.V1.ProfileType;
using ProtoToken = ClearingHouse.Contracts.V1.Token;
using ProtoTokenType = ClearingHouse.Contracts.V1.TokenType;
using ProtoWhitelist = ClearingHouse.Contracts.V1.WhitelistType;

namespace ClearingHouse.Server.Tokens;

/// <summary>Conversions of tokens between protobuf and the hub, validating on the way in.</summary>
public static class TokenProtoMapping
{
    /// <summary>Longest display text (OCPI DisplayText.text).</summary>
    public const int MaxInfoLength = AuthorizationChannelCore.MaxInfoLength;

    /// <summary>
    /// The token of <paramref name="caller"/>: InvalidArgument naming the field when malformed,
    /// PermissionDenied when its country_code/party_id are not the caller's (the core's checks).
    /// </summary>
    public static TokenRecord ToRecord(ProtoToken? token, PartyKey caller, DateTimeOffset now, string field)
    {
        if (token is null)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field} is required", field);
        }

        var record = ToRecord(token, now, field);
        TokensCore.ValidateToken(record, caller, field);
        return record;
    }

    /// <summary>
    /// A token as sent, owned by the EMSP its country_code and party_id name; the core checks it
    /// (<see cref="TokensCore.ValidateToken"/>). Only a last_updated out of range is refused here.
    /// </summary>
    public static TokenRecord ToRecord(ProtoToken token, DateTimeOffset now, string field)
    {
        ArgumentNullException.ThrowIfNull(token);
        return new TokenRecord
        {
            Owner = new PartyKey(token.CountryCode, token.PartyId, PartyRole.Emsp),
            Uid = token.Uid,
            Type = (TokenType)token.Type,
            ContractId = token.ContractId,
            VisualNumber = NullIfEmpty(token.VisualNumber),
            Issuer = token.Issuer,
            GroupId = NullIfEmpty(token.GroupId),
            Valid = token.Valid,
            Whitelist = (WhitelistType)token.Whitelist,
            Language = NullIfEmpty(token.Language),
            DefaultProfileType = ToProfile(token.DefaultProfileType),
            EnergySupplierName = token.EnergyContract?.SupplierName,
            EnergyContractId = NullIfEmpty(token.EnergyContract?.ContractId),
            LastUpdated = token.LastUpdated is { } updated ? ToTime(updated, field, ".last_updated") : now,
        };
    }

    /// <summary>The patch of a PatchToken request, as sent; the core checks it (<see cref="TokensCore.ValidatePatch"/>).</summary>
    public static TokenPatch ToPatch(PatchTokenRequest request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new TokenPatch
        {
            ContractId = request.HasContractId ? request.ContractId : null,
            VisualNumber = request.HasVisualNumber ? request.VisualNumber : null,
            Issuer = request.HasIssuer ? request.Issuer : null,
            GroupId = request.HasGroupId ? request.GroupId : null,
            Valid = request.HasValid ? request.Valid : null,
            Whitelist = request.Whitelist == ProtoWhitelist.Unspecified ? null : (WhitelistType)request.Whitelist,
            Language = request.HasLanguage ? request.Language : null,
            DefaultProfileType = ToProfile(request.DefaultProfileType),
            EnergySupplierName = request.EnergyContract?.SupplierName,
            EnergyContractId = request.EnergyContract?.ContractId,
            LastUpdated = request.LastUpdated is { } updated ? ToTime(updated, "", "last_updated") : now,
        };
    }

    /// <summary>The token type; InvalidArgument when unspecified or unknown.</summary>
    public static TokenType ToType(ProtoTokenType type, string field) => TokensCore.RequireType((TokenType)type, field);

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

    /// <summary>A CPO's authorization question, unchecked (the core validates it); the EVSE list is the request's own.</summary>
    public static AuthorizationQuery ToQuery(AuthorizeRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Location is { } location
            ? new AuthorizationQuery(request.Uid, (TokenType)request.Type, location.LocationId, location.EvseUids)
            : new AuthorizationQuery(request.Uid, (TokenType)request.Type, null, []);
    }

    /// <summary>The response to <paramref name="request"/>: the decision, its reference, the info text, the token's copy and the request's location.</summary>
    public static AuthorizeResponse ToResponse(AuthorizationResult result, AuthorizeRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var authorization = new AuthorizationInfo
        {
            Allowed = (ProtoAllowed)result.Decision.Allowed,
            AuthorizationReference = result.Reference,
        };
        if (result.Info is { } info)
        {
            authorization.Info = new ProtoDisplayText { Language = info.Language, Text = info.Text };
        }

        if (result.Token is { } token)
        {
            authorization.Token = TokenProtoCache.Get(token);
        }

        if (request.Location is not null)
        {
            authorization.Location = request.Location;
        }

        return new AuthorizeResponse { Authorization = authorization, Source = (ProtoSource)result.Decision.Source };
    }

    /// <summary>The token lists of a PutTokens stream, as the core reads them.</summary>
    public static async IAsyncEnumerable<IReadOnlyList<ProtoToken>> ReadUploadAsync(IAsyncStreamReader<PutTokensRequest> stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        await foreach (var message in stream.ReadAllAsync(cancellationToken))
        {
            yield return message.Tokens;
        }
    }

    /// <summary>The response to a PutTokens stream.</summary>
    public static PutTokensResponse ToResponse(TokenUploadResult upload)
    {
        ArgumentNullException.ThrowIfNull(upload);
        var response = new PutTokensResponse { Stored = upload.Stored, Conflicts = upload.Conflicts };
        foreach (var (type, uid) in upload.ConflictSamples)
        {
            response.ConflictSamples.Add(new TokenConflict { Type = (ProtoTokenType)type, Uid = uid });
        }

        return response;
    }

    /// <summary>The wire form of a request to an EMSP's authorization channel.</summary>
    public static AuthorizationRequest ToProto(this MspAuthorizationRequest request)
    {
        var ask = request.Ask;
        var proto = new AuthorizationRequest
        {
            RequestId = request.RequestId,
            Token = ask.Token.ToProto(),
            Cpo = ask.Cpo.ToProto(),
            AuthorizationReference = ask.AuthorizationReference,
            Deadline = Timestamp.FromDateTime(request.Deadline),
        };
        if (ask.LocationId is { } location)
        {
            proto.Location = new LocationReferences { LocationId = location, EvseUids = { ask.EvseUids } };
        }

        return proto;
    }

    /// <summary>An EMSP's message on its authorization channel, unchecked (the core checks it).</summary>
    public static MspAnswer ToAnswer(AuthorizationChannelRequest message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Answer is { } answer
            ? new MspAnswer
            {
                IsAnswer = true,
                RequestId = answer.RequestId,
                Allowed = (AllowedType)answer.Allowed,
                InfoLanguage = answer.Info?.Language,
                InfoText = answer.Info?.Text,
            }
            : MspAnswer.None;
    }

    // Unspecified is "none"; any other value goes to the core as sent, which refuses what is not defined.
    private static ProfileType? ToProfile(ProtoProfile profile) => profile == ProtoProfile.Unspecified ? null : (ProfileType)profile;

    // The field path is built only for a refusal.
    private static DateTimeOffset ToTime(Timestamp timestamp, string field, string name)
    {
        try
        {
            return timestamp.ToDateTimeOffset();
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or InvalidOperationException)
        {
            // Protobuf throws InvalidOperationException for seconds or nanos outside the Timestamp range (issue 17).
            var path = field + name;
            throw new HubException(HubErrorCode.InvalidArgument, $"{path} is out of range", path);
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
