using ClearingHouse.Application.Access;
using ClearingHouse.Application.Parties;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Grpc;
using ClearingHouse.Server.Identity;
using Grpc.Core;
using PartyStatus = ClearingHouse.Grains.Parties.PartyStatus;

namespace ClearingHouse.Server.PartyAdmin;

/// <summary>Parties, credentials and agreements (see party_admin.proto). The flow is <see cref="PartyAdminFlow"/>.</summary>
public sealed class PartyAdminGrpcService(PartyAdminFlow parties, OperatorCredentialsFlow operators) : PartyAdminService.PartyAdminServiceBase
{
    /// <inheritdoc />
    public override async Task<RegisterPartyResponse> RegisterParty(RegisterPartyRequest request, ServerCallContext context) =>
        new() { Party = (await parties.RegisterAsync(context.GetCaller(), ProtoMapping.ToKey(request.Party, "party"), request.Name)).ToProto() };

    /// <inheritdoc />
    public override async Task<GetPartyResponse> GetParty(GetPartyRequest request, ServerCallContext context) =>
        new() { Party = (await parties.GetAsync(context.GetCaller(), ProtoMapping.ToKey(request.Party, "party"))).ToProto() };

    /// <inheritdoc />
    public override async Task<ListPartiesResponse> ListParties(ListPartiesRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        Domain.Parties.PartyRole? role = request.Role == Contracts.V1.PartyRole.Unspecified ? null : ProtoMapping.ToRole(request.Role, "role");
        var page = await parties.ListAsync(caller, role, request.CountryCode, ProtoMapping.DecodePageToken(request.Page), ProtoMapping.PageSize(request.Page), request.IncludeArchived);
        var response = new ListPartiesResponse { Page = ProtoMapping.NextPage(page.NextPosition) };
        response.Parties.AddRange(page.Items.Select(p => p.ToProto()));
        return response;
    }

    /// <inheritdoc />
    public override async Task<SuspendPartyResponse> SuspendParty(SuspendPartyRequest request, ServerCallContext context) =>
        new() { Party = (await parties.SetStatusAsync(context.GetCaller(), ProtoMapping.ToKey(request.Party, "party"), PartyStatus.Suspended, request.Reason)).ToProto() };

    /// <inheritdoc />
    public override async Task<ReinstatePartyResponse> ReinstateParty(ReinstatePartyRequest request, ServerCallContext context) =>
        new() { Party = (await parties.SetStatusAsync(context.GetCaller(), ProtoMapping.ToKey(request.Party, "party"), PartyStatus.Active, request.Reason)).ToProto() };

    /// <inheritdoc />
    public override async Task<ArchivePartyResponse> ArchiveParty(ArchivePartyRequest request, ServerCallContext context) =>
        new() { Party = (await parties.SetStatusAsync(context.GetCaller(), ProtoMapping.ToKey(request.Party, "party"), PartyStatus.Archived, request.Reason)).ToProto() };

    /// <inheritdoc />
    public override async Task<IssueCredentialResponse> IssueCredential(IssueCredentialRequest request, ServerCallContext context)
    {
        if (request.Party is null)
        {
            var op = await operators.IssueAsync(context.GetCaller(), request.ReadOnly);
            return new IssueCredentialResponse { Credential = op.Credential.ToProto(), Secret = op.Secret };
        }

        var issued = await parties.IssueCredentialAsync(context.GetCaller(), ProtoMapping.ToKey(request.Party, "party"));
        return new IssueCredentialResponse { Credential = issued.Credential.ToProto(), Secret = issued.Secret };
    }

    /// <inheritdoc />
    public override async Task<RotateCredentialResponse> RotateCredential(RotateCredentialRequest request, ServerCallContext context)
    {
        var issued = await parties.RotateCredentialAsync(context.GetCaller(), ProtoMapping.ToKey(request.Party, "party"), request.CredentialId);
        return new RotateCredentialResponse { Credential = issued.Credential.ToProto(), Secret = issued.Secret, Previous = issued.Previous!.ToProto() };
    }

    /// <inheritdoc />
    public override async Task<RevokeCredentialResponse> RevokeCredential(RevokeCredentialRequest request, ServerCallContext context) =>
        new()
        {
            Credential = request.Party is null
                ? (await operators.RevokeAsync(context.GetCaller(), request.CredentialId)).ToProto()
                : (await parties.RevokeCredentialAsync(context.GetCaller(), ProtoMapping.ToKey(request.Party, "party"), request.CredentialId)).ToProto(),
        };

    /// <inheritdoc />
    public override async Task<ListCredentialsResponse> ListCredentials(ListCredentialsRequest request, ServerCallContext context)
    {
        var response = new ListCredentialsResponse();
        if (request.Party is null)
        {
            response.Credentials.AddRange((await operators.ListAsync(context.GetCaller())).Select(c => c.ToProto()));
            return response;
        }

        response.Credentials.AddRange((await parties.ListCredentialsAsync(context.GetCaller(), ProtoMapping.ToKey(request.Party, "party"))).Select(c => c.ToProto()));
        return response;
    }

    /// <inheritdoc />
    public override async Task<SetAgreementResponse> SetAgreement(SetAgreementRequest request, ServerCallContext context)
    {
        var (cpo, emsp) = (ProtoMapping.ToKey(request.Cpo, "cpo"), ProtoMapping.ToKey(request.Emsp, "emsp"));
        DateTimeOffset? from = request.ValidFrom is null ? null : ProtoMapping.ToInstant(request.ValidFrom, "valid_from");
        DateTimeOffset? until = request.ValidUntil is null ? null : ProtoMapping.ToInstant(request.ValidUntil, "valid_until");
        return new SetAgreementResponse { Agreement = (await parties.SetAgreementAsync(context.GetCaller(), cpo, emsp, from, until)).ToProto() };
    }

    /// <inheritdoc />
    public override async Task<EndAgreementResponse> EndAgreement(EndAgreementRequest request, ServerCallContext context)
    {
        var (cpo, emsp) = (ProtoMapping.ToKey(request.Cpo, "cpo"), ProtoMapping.ToKey(request.Emsp, "emsp"));
        DateTimeOffset? at = request.EndedAt is null ? null : ProtoMapping.ToInstant(request.EndedAt, "ended_at");
        return new EndAgreementResponse { Agreement = (await parties.EndAgreementAsync(context.GetCaller(), cpo, emsp, at)).ToProto() };
    }

    /// <inheritdoc />
    public override async Task<ListAgreementsResponse> ListAgreements(ListAgreementsRequest request, ServerCallContext context)
    {
        Domain.Parties.PartyKey? party = request.Party is null ? null : ProtoMapping.ToKey(request.Party, "party");
        var page = await parties.ListAgreementsAsync(context.GetCaller(), party, request.IncludeEnded, ProtoMapping.DecodePageToken(request.Page), ProtoMapping.PageSize(request.Page));
        var response = new ListAgreementsResponse { Page = ProtoMapping.NextPage(page.NextPosition) };
        response.Agreements.AddRange(page.Items.Select(a => a.ToProto()));
        return response;
    }
}
