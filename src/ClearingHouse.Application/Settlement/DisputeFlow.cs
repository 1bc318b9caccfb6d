using ClearingHouse.Application.Access;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Settlement;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Settlement;
using ClearingHouse.Application.Operations.Audit;

namespace ClearingHouse.Application.Settlement;

/// <summary>A dispute and every change it went through, oldest first.</summary>
public sealed record DisputeHistory(DisputeRecord Dispute, IReadOnlyList<DisputeEvent> Changes);

/// <summary>What a caller asks to do with a dispute.</summary>
/// <param name="Id">The dispute.</param>
/// <param name="To">The state to move it to (null: not given, InvalidArgument).</param>
/// <param name="Reason">Why; required.</param>
/// <param name="CreditCdrId">To revise: the stored credit CDR netting the disputed one.</param>
/// <param name="NewCdrId">To revise: the stored CDR replacing it.</param>
public sealed record DisputeMove(long Id, DisputeState? To, string Reason, string? CreditCdrId, string? NewCdrId);

/// <summary>
/// The dispute workflow (<see cref="DisputeRules"/>), below every edge: an EMSP opens a dispute about one of its CDRs, the
/// CPO declines or revises, the EMSP accepts, the operator resolves; every move is recorded (and audited when the operator
/// makes it). Access: the two sides and the operator; a party that is neither side learns nothing of a dispute.
/// </summary>
public sealed class DisputeFlow(ISettlementStore store, ICdrStore cdrs, HubClock clock, AuditLog audit)
{
    /// <summary>Longest reason a move may carry.</summary>
    public const int MaxReasonLength = 1000;

    /// <summary>Disputes by id, after a position (an id's text): the operator's of any party, a party's only its own.</summary>
    public async Task<Page<DisputeRecord>> ListAsync(CallerIdentity caller, PartyKey? cpo, PartyKey? emsp, DisputeState? state, string? after, int size, CancellationToken cancellationToken)
    {
        (cpo, emsp) = StatementFlow.OwnSide(caller, cpo, emsp, "disputes");
        var afterId = StatementFlow.ParsePosition(after);
        var page = await store.ListDisputesAsync(new DisputeQuery { Cpo = cpo, Emsp = emsp, State = state, AfterId = afterId, Limit = size + 1 }, cancellationToken);
        var next = page.Count > size ? page[size - 1].Id.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
        return new Page<DisputeRecord>(page.Take(size).ToList(), next);
    }

    /// <summary>Opens a dispute about a CDR of <paramref name="cpo"/> for the calling EMSP; AlreadyExists when the CDR has one.</summary>
    public async Task<DisputeRecord> OpenAsync(CallerIdentity caller, PartyKey cpo, string cdrId, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var emsp = caller.RequireParty(PartyRole.Emsp);
        if (string.IsNullOrEmpty(cdrId))
        {
            throw new HubException(HubErrorCode.InvalidArgument, "cdr_id is required", "cdr_id");
        }

        reason = Reason(reason);
        var cdr = await cdrs.GetAsync(cpo, cdrId, cancellationToken);
        if (cdr is null || cdr.Emsp != emsp)
        {
            throw new HubException(HubErrorCode.NotFound, $"there is no CDR '{cdrId}' of {cpo} for you");
        }

        var now = clock.UtcNow;
        var actor = $"EMSP {emsp}";
        var (dispute, created) = await store.OpenDisputeAsync(
            new DisputeRecord
            {
                Id = 0, Cpo = cpo, CdrId = cdr.Id, Emsp = emsp, Currency = cdr.Currency, CdrEnd = cdr.EndDateTime,
                State = DisputeState.Open, OpenedBy = actor, Reason = reason, OpenedAt = now, UpdatedAt = now, Version = 1,
            },
            actor,
            cancellationToken);
        return created
            ? dispute
            : throw new HubException(HubErrorCode.AlreadyExists, $"CDR '{cdr.Id}' of {cpo} already has dispute {dispute.Id} ({DisputeRules.Name(dispute.State)})");
    }

    /// <summary>
    /// Moves a dispute as the workflow allows the caller (FailedPrecondition for a move the workflow has not, PermissionDenied
    /// for a move that is another's); revising needs the stored credit and replacement CDRs. Optimistic: a concurrent move wins.
    /// </summary>
    public async Task<DisputeRecord> MoveAsync(CallerIdentity caller, DisputeMove move, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(move);
        caller.RequireWrite();
        var to = move.To ?? throw new HubException(HubErrorCode.InvalidArgument, "to is required", "to");
        var reason = Reason(move.Reason);
        var dispute = await FindAsync(caller, move.Id, cancellationToken);
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
        if (to == DisputeState.Revised)
        {
            (credit, replacement) = await CheckRevisionAsync(dispute, move.CreditCdrId, move.NewCdrId, cancellationToken);
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
        if (!await store.MoveDisputeAsync(updated, change, cancellationToken))
        {
            throw new HubException(HubErrorCode.FailedPrecondition, $"dispute {dispute.Id} moved meanwhile; get it again and retry");
        }

        await audit.RecordAsync(caller, "disputes.move", $"dispute {dispute.Id} ({dispute.Cpo}/{dispute.CdrId})",
            $"{DisputeRules.Name(dispute.State)} -> {DisputeRules.Name(to)}: {reason}", cancellationToken);
        return updated;
    }

    /// <summary>A dispute and its changes, for its sides and the operator.</summary>
    public async Task<DisputeHistory> GetAsync(CallerIdentity caller, long id, CancellationToken cancellationToken)
    {
        var dispute = await FindAsync(caller, id, cancellationToken);
        return new DisputeHistory(dispute, await store.ListDisputeEventsAsync(dispute.Id, cancellationToken));
    }

    private async Task<DisputeRecord> FindAsync(CallerIdentity caller, long id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (id <= 0)
        {
            throw new HubException(HubErrorCode.InvalidArgument, "id is required", "id");
        }

        var dispute = await store.GetDisputeAsync(id, cancellationToken);
        // A party that is neither side learns nothing, not even that the id exists.
        return dispute is null || (caller.Party is { } party && party != dispute.Cpo && party != dispute.Emsp)
            ? throw new HubException(HubErrorCode.NotFound, $"there is no dispute {id} for you")
            : dispute;
    }

    private async Task<(string Credit, string Replacement)> CheckRevisionAsync(DisputeRecord dispute, string? creditId, string? newId, CancellationToken cancellationToken)
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
