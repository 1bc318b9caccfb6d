using ClearingHouse.Application.Tokens;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Tokens;
using ClearingHouse.Ocpi.Transport;
using ClearingHouse.Ocpi.Versions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ClearingHouse.Ocpi.Tokens;

/// <summary>
/// The tokens module in the hub role. Receiver interface (an EMSP pushes its tokens): PUT, PATCH and GET of one token,
/// through <see cref="TokensCore"/>. Sender interface (a CPO asks): real-time authorization
/// <c>POST {uid}/authorize</c>, answered by <see cref="AuthorizationCore"/> with the same whitelist rules, deadlines
/// and fallbacks as the gRPC Authorize (the EMSP's live gRPC channel is asked where the rules say so).
/// </summary>
public static class OcpiTokensModule
{
    /// <summary>The sender interface's path (CPOs authorize).</summary>
    public const string SenderPath = OcpiVersions.VersionPath + "/tokens";

    /// <summary>The receiver interface's path (EMSPs push).</summary>
    public const string ReceiverPath = OcpiVersions.VersionPath + "/receiver/tokens";

    private static readonly string[] Types = ["", "AD_HOC_USER", "APP_USER", "OTHER", "RFID"];
    private static readonly string[] Whitelists = ["", "ALWAYS", "ALLOWED", "ALLOWED_OFFLINE", "NEVER"];
    private static readonly string[] Profiles = ["", "CHEAP", "FAST", "GREEN", "REGULAR"];
    private static readonly string[] Allowed = ["", "ALLOWED", "BLOCKED", "EXPIRED", "NO_CREDIT", "NOT_ALLOWED"];

    /// <summary>Maps both interfaces.</summary>
    public static RouteGroupBuilder MapOcpiTokens(this RouteGroupBuilder ocpi)
    {
        var unknownToken = new UnknownObjectCodeMetadata(OcpiStatus.UnknownToken);
        var receiver = ocpi.MapGroup(ReceiverPath["/ocpi".Length..] + "/{countryCode}/{partyId}/{uid}").WithMetadata(unknownToken);
        receiver.MapGet("", async (HttpContext context, string countryCode, string partyId, string uid, TokensCore core, OcpiResults results) =>
        {
            var caller = context.Ocpi().Caller;
            RequireOwnEmsp(caller.Party, countryCode, partyId);
            return results.Ok(ToOcpi(await core.GetAsync(caller.Identity, TypeOf(context.Request), uid)));
        });
        receiver.MapPut("", async (HttpContext context, string countryCode, string partyId, string uid, TokensCore core, OcpiResults results, HubClock clock) =>
        {
            var caller = context.Ocpi().Caller;
            var emsp = RequireOwnEmsp(caller.Party, countryCode, partyId);
            var body = await OcpiBody.ReadAsync<OcpiToken>(context.Request);
            var result = await core.PutAsync(caller.Identity, ToRecord(body, emsp, uid, TypeOf(context.Request), clock.UtcNow));
            return results.Ok(null, result.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
        });
        receiver.MapPatch("", async (HttpContext context, string countryCode, string partyId, string uid, TokensCore core, OcpiResults results, HubClock clock) =>
        {
            var caller = context.Ocpi().Caller;
            RequireOwnEmsp(caller.Party, countryCode, partyId);
            var body = await OcpiBody.ReadAsync<OcpiToken>(context.Request);
            await core.PatchAsync(caller.Identity, TypeOf(context.Request), uid, ToPatch(body));
            return results.Ok(null);
        });

        ocpi.MapPost(SenderPath["/ocpi".Length..] + "/{uid}/authorize", async (HttpContext context, string uid, AuthorizationCore core, OcpiResults results) =>
        {
            var caller = context.Ocpi().Caller;
            OcpiLocationReferences? location = null;
            if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
            {
                location = await OcpiBody.ReadAsync<OcpiLocationReferences>(context.Request);
            }

            var query = new AuthorizationQuery(
                uid, TypeOf(context.Request), location is null ? null : OcpiFields.Required(location.LocationId, "location_id"),
                location?.EvseUids is { } evses ? [.. evses.Select((e, i) => OcpiFields.Required(e, $"evse_uids[{i}]"))] : []);
            return await core.AuthorizeAsync(caller.Identity, query, DateTime.MaxValue, static (result, state) => Answer(result, state.location, state.results), (location, results), context.RequestAborted);
        }).WithMetadata(unknownToken);
        return ocpi;
    }

    // The hub's copy of an unknown token, or of a token whose EMSP has no agreement with the caller, is not shown: the
    // spec's 2004 for both (to the CPO an EMSP it may not roam with has no tokens).
    private static IResult Answer(AuthorizationResult result, OcpiLocationReferences? location, OcpiResults results)
    {
        if (result.Token is null && result.Decision.Allowed != AllowedType.Allowed && result.Decision.Source == DecisionSource.HubRule)
        {
            throw new OcpiException(StatusCodes.Status404NotFound, OcpiStatus.UnknownToken, result.Info?.Text ?? "unknown token");
        }

        return results.Ok(new OcpiAuthorizationInfo(
            Allowed[(int)result.Decision.Allowed],
            result.Token is { } token ? ToOcpi(token) : null,
            result.Decision.Allowed == AllowedType.Allowed ? location : null,
            result.Reference,
            result.Info is { } info ? new OcpiDisplayText(info.Language, info.Text) : null));
    }

    private static PartyKey RequireOwnEmsp(PartyKey caller, string countryCode, string partyId) =>
        string.Equals(countryCode, caller.CountryCode, StringComparison.OrdinalIgnoreCase)
        && string.Equals(partyId, caller.PartyId, StringComparison.OrdinalIgnoreCase)
            ? caller
            : throw new HubException(HubErrorCode.PermissionDenied, "an EMSP may only write its own tokens");

    // ?type= defaults to RFID, as OCPI says.
    private static TokenType TypeOf(HttpRequest request) =>
        request.Query["type"].ToString() is { Length: > 0 } type ? (TokenType)Named(Types, type, "type") : TokenType.Rfid;

    private static int Named(string[] names, string value, string field)
    {
        var index = Array.IndexOf(names, value);
        return index > 0 ? index : throw new HubException(HubErrorCode.InvalidArgument, $"{field}: unknown value '{(value.Length > 40 ? value[..40] : value)}'", field);
    }

    internal static TokenRecord ToRecord(OcpiToken token, PartyKey emsp, string uid, TokenType type, DateTimeOffset now)
    {
        if (token.Uid is not null && token.Uid != uid)
        {
            throw new HubException(HubErrorCode.InvalidArgument, "uid differs from the URL's", "uid");
        }

        return new TokenRecord
        {
            Owner = new PartyKey(token.CountryCode ?? emsp.CountryCode, token.PartyId ?? emsp.PartyId, PartyRole.Emsp),
            Uid = uid,
            Type = token.Type is null ? type : (TokenType)Named(Types, token.Type, "type"),
            ContractId = OcpiFields.Required(token.ContractId, "contract_id"),
            VisualNumber = token.VisualNumber,
            Issuer = OcpiFields.Required(token.Issuer, "issuer"),
            GroupId = token.GroupId,
            Valid = OcpiFields.Required(token.Valid, "valid"),
            Whitelist = (WhitelistType)Named(Whitelists, OcpiFields.Required(token.Whitelist, "whitelist"), "whitelist"),
            Language = token.Language,
            DefaultProfileType = token.DefaultProfileType is null ? null : (ProfileType)Named(Profiles, token.DefaultProfileType, "default_profile_type"),
            EnergySupplierName = token.EnergyContract?.SupplierName,
            EnergyContractId = token.EnergyContract?.ContractId,
            LastUpdated = OcpiFields.Required(token.LastUpdated, "last_updated"),
        };
    }

    private static TokenPatch ToPatch(OcpiToken patch) => new()
    {
        ContractId = patch.ContractId,
        VisualNumber = patch.VisualNumber,
        Issuer = patch.Issuer,
        GroupId = patch.GroupId,
        Valid = patch.Valid,
        Whitelist = patch.Whitelist is null ? null : (WhitelistType)Named(Whitelists, patch.Whitelist, "whitelist"),
        Language = patch.Language,
        DefaultProfileType = patch.DefaultProfileType is null ? null : (ProfileType)Named(Profiles, patch.DefaultProfileType, "default_profile_type"),
        EnergySupplierName = patch.EnergyContract?.SupplierName,
        EnergyContractId = patch.EnergyContract?.ContractId,
        LastUpdated = OcpiFields.Required(patch.LastUpdated, "last_updated"),
    };

    internal static OcpiToken ToOcpi(TokenRecord token) => new(
        token.Owner.CountryCode, token.Owner.PartyId, token.Uid, Types[(int)token.Type], token.ContractId, token.VisualNumber,
        token.Issuer, token.GroupId, token.Valid, Whitelists[(int)token.Whitelist], token.Language,
        token.DefaultProfileType is { } p ? Profiles[(int)p] : null,
        token.EnergySupplierName is { } supplier ? new OcpiEnergyContract(supplier, token.EnergyContractId) : null,
        token.LastUpdated);

    /// <summary>An OCPI Token.</summary>
    internal sealed record OcpiToken(
        string? CountryCode, string? PartyId, string? Uid, string? Type, string? ContractId, string? VisualNumber, string? Issuer,
        string? GroupId, bool? Valid, string? Whitelist, string? Language, string? DefaultProfileType, OcpiEnergyContract? EnergyContract,
        DateTimeOffset? LastUpdated);

    /// <summary>An OCPI EnergyContract.</summary>
    internal sealed record OcpiEnergyContract(string? SupplierName, string? ContractId);

    /// <summary>OCPI LocationReferences.</summary>
    internal sealed record OcpiLocationReferences(string? LocationId, IReadOnlyList<string?>? EvseUids);

    /// <summary>OCPI AuthorizationInfo.</summary>
    internal sealed record OcpiAuthorizationInfo(string Allowed, OcpiToken? Token, OcpiLocationReferences? Location, string AuthorizationReference, OcpiDisplayText? Info);

    /// <summary>OCPI DisplayText.</summary>
    internal sealed record OcpiDisplayText(string Language, string Text);
}
