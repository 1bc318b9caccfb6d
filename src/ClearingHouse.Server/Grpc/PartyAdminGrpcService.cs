using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Credentials;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Parties;
using ClearingHouse.Server.Identity;
using ClearingHouse.Server.Options;
using Grpc.Core;
using Microsoft.Extensions.Options;
using PartyRole = ClearingHouse.Domain.Parties.PartyRole;
using PartyStatus = ClearingHouse.Grains.Parties.PartyStatus;

namespace ClearingHouse.Server.Grpc;

/// <summary>Parties, credentials and agreements, for the hub operator (see party_admin.proto).</summary>
public sealed partial class PartyAdminGrpcService(
    IGrainFactory grains,
    PartyDirectory directory,
    IdentityResolver identities,
    HubClock clock,
    IOptions<IdentityOptions> identityOptions,
    ILogger<PartyAdminGrpcService> logger) : PartyAdminService.PartyAdminServiceBase
{
    private IPartyRegistryGrain Registry => grains.GetGrain<IPartyRegistryGrain>(IPartyRegistryGrain.Key);

    /// <inheritdoc />
    public override async Task<RegisterPartyResponse> RegisterParty(RegisterPartyRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        caller.RequireOperator();
        var key = ProtoMapping.ToKey(request.Party, "party");
        HubException.ThrowIfInvalid(PartyRules.ValidateName(request.Name), "name");
        var party = await Registry.Register(key, request.Name);
        await directory.GetFreshAsync();
        LogOperatorAction(logger, "RegisterParty", key.ToString(), caller.CredentialId);
        return new RegisterPartyResponse { Party = party.ToProto() };
    }

    /// <inheritdoc />
    public override async Task<GetPartyResponse> GetParty(GetPartyRequest request, ServerCallContext context)
    {
        var key = ProtoMapping.ToKey(request.Party, "party");
        context.GetCaller().RequireOperatorOrSelf(key);
        var party = await Registry.Get(key) ?? throw new HubException(HubErrorCode.NotFound, $"party {key} is not registered");
        return new GetPartyResponse { Party = party.ToProto() };
    }

    /// <inheritdoc />
    public override async Task<ListPartiesResponse> ListParties(ListPartiesRequest request, ServerCallContext context)
    {
        context.GetCaller().RequireOperator();
        var size = ProtoMapping.PageSize(request.Page);
        PartyKey? after = null;
        if (ProtoMapping.DecodePageToken(request.Page) is { } position)
        {
            after = PartyKey.TryParse(position, out var k) ? k : throw BadToken();
        }

        PartyRole? role = request.Role == Contracts.V1.PartyRole.Unspecified ? null : ProtoMapping.ToRole(request.Role, "role");
        if (request.CountryCode.Length > 0)
        {
            HubException.ThrowIfInvalid(PartyRules.ValidateCountryCode(request.CountryCode), "country_code");
        }

        var view = await directory.GetFreshAsync();
        var response = new ListPartiesResponse { Page = new PageInfo() };
        PartyKey? last = null;
        foreach (var party in view.Snapshot.Parties)
        {
            if ((after is { } a && party.Key <= a)
                || (role is { } r && party.Key.Role != r)
                || (request.CountryCode.Length > 0 && party.Key.CountryCode != request.CountryCode))
            {
                continue;
            }

            if (response.Parties.Count == size)
            {
                response.Page.NextPageToken = ProtoMapping.EncodePageToken(last!.Value.ToString());
                break;
            }

            response.Parties.Add(party.ToProto());
            last = party.Key;
        }

        return response;
    }

    /// <inheritdoc />
    public override async Task<SuspendPartyResponse> SuspendParty(SuspendPartyRequest request, ServerCallContext context) =>
        new() { Party = await SetStatusAsync(request.Party, PartyStatus.Suspended, request.Reason, context) };

    /// <inheritdoc />
    public override async Task<ReinstatePartyResponse> ReinstateParty(ReinstatePartyRequest request, ServerCallContext context) =>
        new() { Party = await SetStatusAsync(request.Party, PartyStatus.Active, request.Reason, context) };

    /// <inheritdoc />
    public override async Task<IssueCredentialResponse> IssueCredential(IssueCredentialRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        caller.RequireOperator();
        var key = ProtoMapping.ToKey(request.Party, "party");
        var issued = await Credentials(key).Issue();
        LogOperatorAction(logger, "IssueCredential", $"{key}/{issued.Credential.Id}", caller.CredentialId);
        return new IssueCredentialResponse { Credential = issued.Credential.ToProto(clock.UtcNow), Secret = issued.Secret };
    }

    /// <inheritdoc />
    public override async Task<RotateCredentialResponse> RotateCredential(RotateCredentialRequest request, ServerCallContext context)
    {
        var key = ProtoMapping.ToKey(request.Party, "party");
        var caller = context.GetCaller();
        caller.RequireOperatorOrSelf(key);
        RequireCredentialId(request.CredentialId);
        var issued = await Credentials(key).Rotate(request.CredentialId, identityOptions.Value.RotationGracePeriod);
        identities.Invalidate();
        LogOperatorAction(logger, "RotateCredential", $"{key}/{request.CredentialId}", caller.CredentialId);
        var now = clock.UtcNow;
        return new RotateCredentialResponse
        {
            Credential = issued.Credential.ToProto(now),
            Secret = issued.Secret,
            Previous = issued.Previous!.ToProto(now),
        };
    }

    /// <inheritdoc />
    public override async Task<RevokeCredentialResponse> RevokeCredential(RevokeCredentialRequest request, ServerCallContext context)
    {
        var key = ProtoMapping.ToKey(request.Party, "party");
        var caller = context.GetCaller();
        caller.RequireOperatorOrSelf(key);
        RequireCredentialId(request.CredentialId);
        var revoked = await Credentials(key).Revoke(request.CredentialId);
        identities.Invalidate();
        LogOperatorAction(logger, "RevokeCredential", $"{key}/{request.CredentialId}", caller.CredentialId);
        return new RevokeCredentialResponse { Credential = revoked.ToProto(clock.UtcNow) };
    }

    /// <inheritdoc />
    public override async Task<ListCredentialsResponse> ListCredentials(ListCredentialsRequest request, ServerCallContext context)
    {
        var key = ProtoMapping.ToKey(request.Party, "party");
        context.GetCaller().RequireOperatorOrSelf(key);
        var now = clock.UtcNow;
        var response = new ListCredentialsResponse();
        foreach (var credential in await Credentials(key).List())
        {
            response.Credentials.Add(credential.ToProto(now));
        }

        return response;
    }

    /// <inheritdoc />
    public override async Task<SetAgreementResponse> SetAgreement(SetAgreementRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        caller.RequireOperator();
        var cpo = ProtoMapping.ToKey(request.Cpo, "cpo");
        var emsp = ProtoMapping.ToKey(request.Emsp, "emsp");
        var now = clock.UtcNow;
        var from = request.ValidFrom is null ? now : ProtoMapping.ToInstant(request.ValidFrom, "valid_from");
        DateTimeOffset? until = request.ValidUntil is null ? null : ProtoMapping.ToInstant(request.ValidUntil, "valid_until");
        var agreement = await Registry.SetAgreement(cpo, emsp, from, until);
        var view = await directory.GetFreshAsync();
        LogOperatorAction(logger, "SetAgreement", $"{cpo}|{emsp}", caller.CredentialId);
        return new SetAgreementResponse { Agreement = agreement.ToProto(view, now) };
    }

    /// <inheritdoc />
    public override async Task<EndAgreementResponse> EndAgreement(EndAgreementRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        caller.RequireOperator();
        var cpo = ProtoMapping.ToKey(request.Cpo, "cpo");
        var emsp = ProtoMapping.ToKey(request.Emsp, "emsp");
        var now = clock.UtcNow;
        var at = request.EndedAt is null ? now : ProtoMapping.ToInstant(request.EndedAt, "ended_at");
        var agreement = await Registry.EndAgreement(cpo, emsp, at);
        var view = await directory.GetFreshAsync();
        LogOperatorAction(logger, "EndAgreement", $"{cpo}|{emsp}", caller.CredentialId);
        return new EndAgreementResponse { Agreement = agreement.ToProto(view, now) };
    }

    /// <inheritdoc />
    public override async Task<ListAgreementsResponse> ListAgreements(ListAgreementsRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        PartyKey? party = request.Party is null ? null : ProtoMapping.ToKey(request.Party, "party");
        if (!caller.IsOperator)
        {
            if (party is { } asked && asked != caller.Party)
            {
                throw new HubException(HubErrorCode.PermissionDenied, "a party may only list its own agreements");
            }

            party = caller.Party;
        }

        var size = ProtoMapping.PageSize(request.Page);
        var after = ProtoMapping.DecodePageToken(request.Page);
        var view = await directory.GetFreshAsync();
        var now = clock.UtcNow;
        var response = new ListAgreementsResponse { Page = new PageInfo() };
        string? lastPosition = null;
        foreach (var agreement in view.Snapshot.Agreements)
        {
            var position = $"{agreement.Cpo}|{agreement.Emsp}";
            if ((after is not null && string.CompareOrdinal(position, after) <= 0)
                || (party is { } p && agreement.Cpo != p && agreement.Emsp != p)
                || (!request.IncludeEnded && view.StateOf(agreement, now) == AgreementState.Ended))
            {
                continue;
            }

            if (response.Agreements.Count == size)
            {
                response.Page.NextPageToken = ProtoMapping.EncodePageToken(lastPosition!);
                break;
            }

            response.Agreements.Add(agreement.ToProto(view, now));
            lastPosition = position;
        }

        return response;
    }

    private IPartyCredentialsGrain Credentials(PartyKey key) => grains.GetGrain<IPartyCredentialsGrain>(key.ToString());

    private async Task<Party> SetStatusAsync(PartyRef? partyRef, PartyStatus status, string reason, ServerCallContext context)
    {
        var caller = context.GetCaller();
        caller.RequireOperator();
        var key = ProtoMapping.ToKey(partyRef, "party");
        HubException.ThrowIfInvalid(PartyRules.ValidateReason(reason), "reason");
        var party = await Registry.SetStatus(key, status, reason);
        await directory.GetFreshAsync();
        LogOperatorAction(logger, status == PartyStatus.Active ? "ReinstateParty" : "SuspendParty", key.ToString(), caller.CredentialId);
        return party.ToProto();
    }

    private static void RequireCredentialId(string id)
    {
        if (id.Length != 12 || !id.All(char.IsAsciiHexDigitLower))
        {
            throw new HubException(HubErrorCode.InvalidArgument, "credential_id must be the 12-character id the hub returned", "credential_id");
        }
    }

    private static HubException BadToken() =>
        new(HubErrorCode.InvalidArgument, "page.page_token is not a token this hub returned", "page.page_token");

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Admin action {Action} on {Target} by credential {CredentialId}")]
    private static partial void LogOperatorAction(ILogger logger, string action, string target, string credentialId);
}
