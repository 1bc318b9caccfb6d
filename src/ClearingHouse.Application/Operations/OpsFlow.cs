using ClearingHouse.Application.Access;
using ClearingHouse.Application.Locations;
using ClearingHouse.Application.Settlement;
using ClearingHouse.Application.Tokens;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Operations;
using ClearingHouse.Grains.Options;
using ClearingHouse.Grains.Parties;
using ClearingHouse.Grains.Sessions;
using ClearingHouse.Grains.Settlement;
using ClearingHouse.Application.Operations.Audit;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Application.Operations;

/// <summary>One partner's connection health on this silo.</summary>
public sealed record PartnerHealthView(PartyKey Party, int MspChannels, int StatusSubscriptions, DateTimeOffset? LastSeen, long Calls, long Errors);

/// <summary>One data-quality finding: how many, a few examples, and what was checked.</summary>
public sealed record FindingView(string Kind, long Count, IReadOnlyList<string> Examples, string Note);

/// <summary>
/// The operator's daily tools, below every edge: partner health, data-quality findings, resending a session or a CDR
/// (audited either way), the audit log. Operator only.
/// </summary>
public sealed class OpsFlow(
    PartyDirectory directory, PartnerActivity activity, MspChannelHub mspChannels, StatusSubscriptionHub subscriptions,
    ISettlementStore store, ICdrStore cdrs, ICdrFeedStore feed, ISessionStore sessions, IDataQualityStore quality,
    IOptions<SessionsOptions> sessionOptions, IOptions<OpsOptions> opsOptions, IGrainFactory grains,
    HubClock clock, AuditLog audit)
{
    /// <summary>Every registered partner with its open channels and subscriptions and its calls on this silo, by party key.</summary>
    public async Task<IReadOnlyList<PartnerHealthView>> GetHealthAsync(CallerIdentity caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        caller.RequireOperator();
        var view = await directory.GetFreshAsync();
        var open = mspChannels.OpenChannelCounts();
        var subscribed = subscriptions.SubscriptionCounts();
        return view.Snapshot.Parties
            .OrderBy(p => p.Key.ToString(), StringComparer.Ordinal)
            .Select(p => activity.Get(p.Key) is { } seen
                ? new PartnerHealthView(p.Key, open.GetValueOrDefault(p.Key), subscribed.GetValueOrDefault(p.Key), seen.LastSeen, seen.Calls, seen.Errors)
                : new PartnerHealthView(p.Key, open.GetValueOrDefault(p.Key), subscribed.GetValueOrDefault(p.Key), null, 0, 0))
            .ToList();
    }

    /// <summary>
    /// The data-quality findings, each with up to <paramref name="examples"/> examples (0: 5, at most 100): price mismatches
    /// and orphan CDRs since <paramref name="since"/> (default 30 days), open disputes, stale EVSE status, locations without
    /// tariff, stuck sessions.
    /// </summary>
    public async Task<IReadOnlyList<FindingView>> ListFindingsAsync(CallerIdentity caller, int examples, DateTimeOffset? since, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        caller.RequireOperator();
        examples = examples switch
        {
            < 0 => throw new HubException(HubErrorCode.InvalidArgument, "examples must not be negative", "examples"),
            0 => 5,
            var n => Math.Min(n, 100),
        };
        var from = since ?? clock.UtcNow.AddDays(-30);
        var findings = new List<FindingView>();

        var (mismatches, mismatchExamples) = await store.FindPriceMismatchesAsync(from, examples, cancellationToken: ct);
        findings.Add(new FindingView("PRICE_MISMATCH", mismatches, mismatchExamples.Select(m => $"{m.Cpo}/{m.CdrId}").ToList(),
            $"stored CDRs ending since {from:u} whose declared total, a cost component or a volume differs from the hub's (Cdrs:PriceTolerance, Cdrs:CurrencyTolerances)"));
        foreach (var (check, kind, note) in TariffFlags)
        {
            var (count, found) = await store.FindPriceMismatchesAsync(from, examples, check, ct);
            findings.Add(new FindingView(kind, count, found.Select(m => $"{m.Cpo}/{m.CdrId}").ToList(), $"stored CDRs ending since {from:u} {note}"));
        }

        findings.Add(await OpenDisputesAsync(examples, ct));
        var staleAfter = opsOptions.Value.StaleStatusAfter;
        findings.Add(Found("EVSE_STATUS_STALE", await quality.FindStaleEvsesAsync(clock.UtcNow - staleAfter, null, examples, ct),
            $"EVSEs (not REMOVED) whose status last changed more than {staleAfter} ago (Ops:StaleStatusAfter), oldest first; the last change is the newer of the EVSE's own last_updated in the location and its latest status update"));
        findings.Add(Found("LOCATION_WITHOUT_TARIFF", await quality.FindLocationsWithoutTariffAsync(null, examples, ct),
            "published locations with a connector that names no tariff or a tariff id its CPO has not published; example: the location and its first such connector"));
        findings.Add(Found("CDR_WITHOUT_SESSION", await quality.FindCdrsWithoutSessionAsync(from, null, examples, ct),
            $"stored CDRs ending since {from:u} whose session_id is missing or names no session the hub has for that CPO, newest first"));
        findings.Add(await StuckSessionsAsync(examples, ct));
        return findings;
    }

    /// <summary>
    /// Requeues a stored CDR at the head of its EMSP's CDR feed (audited, with <paramref name="reason"/> when given);
    /// NotFound when there is no such CDR.
    /// </summary>
    public Task<string> ResendCdrAsync(CallerIdentity caller, PartyKey cpo, string cdrId, CancellationToken ct, string? reason = null) =>
        ResendAsync(caller, cpo, cdrId, "cdr_id", "CDR", async c =>
        {
            if (await cdrs.GetAsync(c, cdrId, ct) is not { } cdr || await feed.RequeueAsync(c, cdr.Id, ct) is not { } at)
            {
                return null;
            }

            // Requeued first, rung after: a subscriber woken by the ring (or by its own poll) finds the new position.
            _ = grains.GetGrain<ICdrFeedGrain>(cdr.Emsp.ToString()).Notify();
            return $"requeued CDR {cdr.Id} at the head of {cdr.Emsp}'s CDR feed (position {at.Major}.{at.Minor}): SubscribeCdrs streams deliver it again";
        }, reason, ct);

    /// <summary>
    /// Republishes a session on its EMSP's session feed (audited, with <paramref name="reason"/> when given); NotFound when
    /// there is no such session.
    /// </summary>
    public Task<string> ResendSessionAsync(CallerIdentity caller, PartyKey cpo, string sessionId, CancellationToken ct, string? reason = null) =>
        ResendAsync(caller, cpo, sessionId, "session_id", "session", async c =>
            await grains.GetGrain<ISessionGrain>(SessionRecord.KeyOf(c, sessionId)).Republish() is { } session
                ? $"republished session {session.Id} ({session.Status}) on {session.Emsp}'s session feed as change {session.Sequence}: SubscribeSessions streams deliver it again"
                : null, reason, ct);

    private static readonly (PriceCheck Check, string Kind, string Note)[] TariffFlags =
    [
        (PriceCheck.TariffNotListed, "CDR_TARIFF_NOT_LISTED", "priced with a tariff the connector they name did not list when the session started"),
        (PriceCheck.TariffConflict, "CDR_TARIFF_CONFLICT", "priced with a tariff the connector they name listed beside another active tariff of the same type when the session started"),
        (PriceCheck.TariffNotActive, "CDR_TARIFF_NOT_ACTIVE", "whose session started outside the validity window of the tariff they name"),
    ];

    private static FindingView Found(string kind, FindingCount found, string note) => new(kind, found.Count, found.Examples.ToList(), note);

    private async Task<FindingView> OpenDisputesAsync(int examples, CancellationToken ct)
    {
        long open = 0;
        var openExamples = new List<string>();
        long after = 0;
        while (true)
        {
            var page = await store.ListDisputesAsync(new DisputeQuery { State = Domain.Settlement.DisputeState.Open, AfterId = after, Limit = 1000 }, ct);
            open += page.Count;
            openExamples.AddRange(page.Take(examples - openExamples.Count).Select(d => $"dispute {d.Id}: {d.Cpo}/{d.CdrId} ({d.OpenedBy})"));
            if (page.Count < 1000)
            {
                break;
            }

            after = page[^1].Id;
        }

        return new FindingView("OPEN_DISPUTES", open, openExamples,
            "disputes waiting for the CPO (hub disputes are opened when a statement covering the CDR is built)");
    }

    // Sessions PENDING or ACTIVE with no update for Sessions:StuckAfter, counted up to a cap so a huge
    // backlog never makes this call slow; the count then says "at least".
    private async Task<FindingView> StuckSessionsAsync(int examples, CancellationToken ct)
    {
        const int Cap = 10_000;
        var stuckAfter = sessionOptions.Value.StuckAfter;
        var silent = await sessions.ListSilentAsync(clock.UtcNow - stuckAfter, null, Cap + 1, ct);
        return new FindingView(
            "SESSION_STUCK",
            Math.Min(silent.Count, Cap),
            silent.Take(examples).Select(s => $"{s.Cpo}/{s.Id} ({s.Status}, for {s.Emsp})").ToList(),
            silent.Count > Cap
                ? $"more than {Cap} sessions PENDING or ACTIVE with no update for {stuckAfter} (Sessions:StuckAfter); see ListStuckSessions"
                : $"sessions PENDING or ACTIVE with no update for {stuckAfter} (Sessions:StuckAfter); see ListStuckSessions");
    }

    // The frame of a resend: operator only, a CPO and an id required, the outcome audited either way ("ops.resend").
    // `resend` returns the outcome, or null when there is no such thing (NotFound).
    private async Task<string> ResendAsync(CallerIdentity caller, PartyKey cpo, string id, string idField, string what, Func<PartyKey, Task<string?>> resend, string? reason, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        caller.RequireFullOperator();
        if (cpo.Role != PartyRole.Cpo)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"cpo must be a CPO, not {cpo}", "cpo.role");
        }

        if (string.IsNullOrEmpty(id))
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{idField} is required", idField);
        }

        var target = what == "CDR" ? $"{cpo}/{id}" : $"{cpo}/{what} {id}";
        if (reason is { Length: > DisputeFlow.MaxReasonLength })
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"reason must be at most {DisputeFlow.MaxReasonLength} characters", "reason");
        }

        var outcome = await resend(cpo);
        var why = string.IsNullOrWhiteSpace(reason) ? "" : $"; reason: {reason}";
        await audit.RecordAsync(caller, "ops.resend", target, (outcome ?? $"refused: no such {what}") + why, ct);
        return outcome ?? throw new HubException(HubErrorCode.NotFound, $"there is no {what} '{id}' of {cpo}");
    }
}
