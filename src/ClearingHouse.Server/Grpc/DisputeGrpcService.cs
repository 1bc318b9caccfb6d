using ClearingHouse.Application.Access;
using ClearingHouse.Application.Settlement;
using System.Globalization;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Settlement;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Settlement;
using ClearingHouse.Server.Identity;
using ClearingHouse.Server.Settlement;
using Grpc.Core;
using DomainDisputeState = ClearingHouse.Domain.Settlement.DisputeState;
using PartyRole = ClearingHouse.Domain.Parties.PartyRole;

namespace ClearingHouse.Server.Grpc;

/// <summary>The dispute workflow (see disputes.proto and <see cref="DisputeRules"/>).</summary>
public sealed class DisputeGrpcService(ISettlementStore store, ICdrStore cdrs, HubClock clock, OperatorAudit audit) : DisputeService.DisputeServiceBase
{
    private const int MaxReasonLength = 1000;

    /// <inheritdoc />
    public override async Task<ListDisputesResponse> ListDisputes(ListDisputesRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var size = ProtoMapping.PageSize(request.Page);
        PartyKey? cpo = request.Cpo is null ? null : ProtoMapping.ToKey(request.Cpo, "cpo");
        PartyKey? emsp = request.Emsp is null ? null : ProtoMapping.ToKey(request.Emsp, "emsp");
        if (caller.Party is { } party)
        {
            var named = party.Role == PartyRole.Cpo ? cpo : emsp;
            if (named is { } n && n != party)
            {
                throw new HubException(HubErrorCode.PermissionDenied, $"{party} may only list its own disputes, not those of {n}");
            }

            if (party.Role == PartyRole.Cpo)
            {
                cpo = party;
            }
            else
            {
                emsp = party;
            }
        }

        var after = ProtoMapping.DecodePageToken(request.Page) is { } token
            ? long.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var a) ? a : throw new HubException(HubErrorCode.InvalidArgument, "page.page_token is not a token this hub returned", "page.page_token")
            : 0;
        var page = await store.ListDisputesAsync(
            new DisputeQuery { Cpo = cpo, Emsp = emsp, State = SettlementMapping.ToDomain(request.State), AfterId = after, Limit = size + 1 },
            context.CancellationToken);
        var response = new ListDisputesResponse { Page = new PageInfo() };
        response.Disputes.AddRange(page.Take(size).Select(d => d.ToProto()));
        if (page.Count > size)
        {
            response.Page.NextPageToken = ProtoMapping.EncodePageToken(page[size - 1].Id.ToString(CultureInfo.InvariantCulture));
        }

        return response;
    }

    /// <inheritdoc />
    public override async Task<OpenDisputeResponse> OpenDispute(OpenDisputeRequest request, ServerCallContext context)
    {
        var emsp = context.GetCaller().RequireParty(PartyRole.Emsp);
        var cpo = ProtoMapping.ToKey(request.Cpo, "cpo");
        if (string.IsNullOrEmpty(request.CdrId))
        {
            throw new HubException(HubErrorCode.InvalidArgument, "cdr_id is required", "cdr_id");
        }

        var reason = Reason(request.Reason);
        var cdr = await cdrs.GetAsync(cpo, request.CdrId, context.CancellationToken);
        if (cdr is null || cdr.Emsp != emsp)
        {
            throw new HubException(HubErrorCode.NotFound, $"there is no CDR '{request.CdrId}' of {cpo} for you");
        }

        var now = clock.UtcNow;
        var actor = $"EMSP {emsp}";
        var (dispute, created) = await store.OpenDisputeAsync(
            new DisputeRecord
            {
                Id = 0, Cpo = cpo, CdrId = cdr.Id, Emsp = emsp, Currency = cdr.Currency, CdrEnd = cdr.EndDateTime,
                State = DomainDisputeState.Open, OpenedBy = actor, Reason = reason, OpenedAt = now, UpdatedAt = now, Version = 1,
            },
            actor,
            context.CancellationToken);
        if (!created)
        {
            throw new HubException(HubErrorCode.AlreadyExists, $"CDR '{cdr.Id}' of {cpo} already has dispute {dispute.Id} ({DisputeRules.Name(dispute.State)})");
        }

        return new OpenDisputeResponse { Dispute = dispute.ToProto() };
    }

    /// <inheritdoc />
    public override async Task<MoveDisputeResponse> MoveDispute(MoveDisputeRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var to = SettlementMapping.ToDomain(request.To) ?? throw new HubException(HubErrorCode.InvalidArgument, "to is required", "to");
        var reason = Reason(request.Reason);
        var dispute = await Find(caller, request.Id, context.CancellationToken);
        var actor = caller.IsOperator ? DisputeActor.Operator : caller.Party == dispute.Cpo ? DisputeActor.Cpo : DisputeActor.Emsp;
        var who = DisputeRules.WhoMayMove(dispute.State, to);
        if (who is null)
        {
            throw new HubException(HubErrorCode.FailedPrecondition, DisputeRules.CheckMove(dispute.State, to, actor)!);
        }

        if (who != actor)
        {
            throw new HubException(HubErrorCode.PermissionDenied, DisputeRules.CheckMove(dispute.State, to, actor)!);
        }

        string? credit = null, replacement = null;
        if (to == DomainDisputeState.Revised)
        {
            (credit, replacement) = await CheckRevisionAsync(dispute, request.CreditCdrId, request.NewCdrId, context.CancellationToken);
        }

        var actorText = caller.IsOperator ? $"operator ({caller.CredentialId})" : $"{(actor == DisputeActor.Cpo ? "CPO" : "EMSP")} {caller.Party}";
        var now = clock.UtcNow;
        var updated = dispute with
        {
            State = to,
            UpdatedAt = now,
            Version = dispute.Version + 1,
            CreditCdrId = credit ?? dispute.CreditCdrId,
            NewCdrId = replacement ?? dispute.NewCdrId,
        };
        var change = new DisputeEvent { DisputeId = dispute.Id, Version = updated.Version, At = now, Actor = actorText, From = dispute.State, To = to, Reason = reason };
        if (!await store.MoveDisputeAsync(updated, change, context.CancellationToken))
        {
            throw new HubException(HubErrorCode.FailedPrecondition, $"dispute {dispute.Id} moved meanwhile; get it again and retry");
        }

        await audit.RecordAsync(caller, "disputes.move", $"dispute {dispute.Id} ({dispute.Cpo}/{dispute.CdrId})",
            $"{DisputeRules.Name(dispute.State)} -> {DisputeRules.Name(to)}: {reason}", context.CancellationToken);
        return new MoveDisputeResponse { Dispute = updated.ToProto() };
    }

    /// <inheritdoc />
    public override async Task<GetDisputeResponse> GetDispute(GetDisputeRequest request, ServerCallContext context)
    {
        var dispute = await Find(context.GetCaller(), request.Id, context.CancellationToken);
        var response = new GetDisputeResponse { Dispute = dispute.ToProto() };
        response.Changes.AddRange((await store.ListDisputeEventsAsync(dispute.Id, context.CancellationToken)).Select(e => e.ToProto()));
        return response;
    }

    private async Task<DisputeRecord> Find(CallerIdentity caller, long id, CancellationToken cancellationToken)
    {
        if (id <= 0)
        {
            throw new HubException(HubErrorCode.InvalidArgument, "id is required", "id");
        }

        var dispute = await store.GetDisputeAsync(id, cancellationToken);
        // A party that is neither side learns nothing, not even that the id exists.
        if (dispute is null || (caller.Party is { } party && party != dispute.Cpo && party != dispute.Emsp))
        {
            throw new HubException(HubErrorCode.NotFound, $"there is no dispute {id} for you");
        }

        return dispute;
    }

    private async Task<(string Credit, string Replacement)> CheckRevisionAsync(DisputeRecord dispute, string creditId, string newId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(creditId))
        {
            throw new HubException(HubErrorCode.InvalidArgument, "credit_cdr_id is required to revise: submit a credit CDR for the disputed one first", "credit_cdr_id");
        }

        if (string.IsNullOrEmpty(newId))
        {
            throw new HubException(HubErrorCode.InvalidArgument, "new_cdr_id is required to revise: submit the corrected CDR first", "new_cdr_id");
        }

        var credit = await cdrs.GetAsync(dispute.Cpo, creditId, cancellationToken);
        if (credit is null || !credit.Credit || credit.CreditReferenceId != dispute.CdrId)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"'{creditId}' is not a stored credit CDR of {dispute.Cpo} with credit_reference_id '{dispute.CdrId}'", "credit_cdr_id");
        }

        var replacement = await cdrs.GetAsync(dispute.Cpo, newId, cancellationToken);
        if (replacement is null || replacement.Credit || replacement.Emsp != dispute.Emsp || replacement.Id == dispute.CdrId)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"'{newId}' is not a stored CDR of {dispute.Cpo} for {dispute.Emsp} that replaces '{dispute.CdrId}'", "new_cdr_id");
        }

        return (credit.Id, replacement.Id);
    }

    private static string Reason(string reason) =>
        string.IsNullOrWhiteSpace(reason) || reason.Length > MaxReasonLength
            ? throw new HubException(HubErrorCode.InvalidArgument, $"reason is required, at most {MaxReasonLength} characters", "reason")
            : reason;
}
