using ClearingHouse.Application.Tokens;
using ClearingHouse.Application.Settlement;
using ClearingHouse.Application.Operations;
using ClearingHouse.Application.Locations;
using System.Globalization;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Operations;
using ClearingHouse.Grains.Parties;
using ClearingHouse.Grains.Settlement;
using Microsoft.Extensions.Options;
using ClearingHouse.Grains.Options;
using ClearingHouse.Grains.Sessions;
using ClearingHouse.Server.Identity;
using ClearingHouse.Server.Locations;
using ClearingHouse.Server.Settlement;
using ClearingHouse.Server.Tokens;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace ClearingHouse.Server.Grpc;

/// <summary>The operator's daily tools (see ops.proto). Operator only.</summary>
public sealed class OpsGrpcService(
    PartyDirectory directory, PartnerActivity activity, MspChannelHub channels, StatusSubscriptionHub subscriptions,
    ISettlementStore store, ICdrStore cdrs, ICdrFeedStore feed, ISessionStore sessions, IDataQualityStore quality,
    IOptions<SessionsOptions> sessionOptions, IOptions<OpsOptions> opsOptions, IGrainFactory grains,
    HubClock clock, OperatorAudit audit) : OpsService.OpsServiceBase
{
    /// <inheritdoc />
    public override async Task<GetHealthResponse> GetHealth(GetHealthRequest request, ServerCallContext context)
    {
        context.GetCaller().RequireOperator();
        var view = await directory.GetFreshAsync();
        var open = channels.OpenChannelCounts();
        var subscribed = subscriptions.SubscriptionCounts();
        var response = new GetHealthResponse();
        foreach (var party in view.Snapshot.Parties.OrderBy(p => p.Key.ToString(), StringComparer.Ordinal))
        {
            var row = new PartnerHealth
            {
                Party = party.Key.ToProto(),
                MspChannels = open.GetValueOrDefault(party.Key),
                StatusSubscriptions = subscribed.GetValueOrDefault(party.Key),
            };
            if (activity.Get(party.Key) is { } seen)
            {
                row.LastSeen = Timestamp.FromDateTimeOffset(seen.LastSeen);
                row.Calls = seen.Calls;
                row.Errors = seen.Errors;
            }

            response.Partners.Add(row);
        }

        return response;
    }

    /// <inheritdoc />
    public override async Task<ListFindingsResponse> ListFindings(ListFindingsRequest request, ServerCallContext context)
    {
        context.GetCaller().RequireOperator();
        var examples = request.Examples switch
        {
            < 0 => throw new HubException(HubErrorCode.InvalidArgument, "examples must not be negative", "examples"),
            0 => 5,
            var n => Math.Min(n, 100),
        };
        var since = request.Since is null ? clock.UtcNow.AddDays(-30) : ProtoMapping.ToInstant(request.Since, "since");
        var ct = context.CancellationToken;
        var response = new ListFindingsResponse();

        var (mismatches, mismatchExamples) = await store.FindPriceMismatchesAsync(since, examples, ct);
        response.Findings.Add(new Finding
        {
            Kind = "PRICE_MISMATCH", Count = mismatches, Checked = true, Examples = { mismatchExamples.Select(m => $"{m.Cpo}/{m.CdrId}") },
            Note = $"stored CDRs ending since {since:u} whose declared total differs from the hub's price (Cdrs:PriceTolerance)",
        });

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

        response.Findings.Add(new Finding
        {
            Kind = "OPEN_DISPUTES", Count = open, Checked = true, Examples = { openExamples },
            Note = "disputes waiting for the CPO (hub disputes are opened when a statement covering the CDR is built)",
        });
        var staleAfter = opsOptions.Value.StaleStatusAfter;
        var stale = await quality.FindStaleEvsesAsync(clock.UtcNow - staleAfter, null, examples, ct);
        response.Findings.Add(Checked("EVSE_STATUS_STALE", stale,
            $"EVSEs (not REMOVED) whose status last changed more than {staleAfter} ago (Ops:StaleStatusAfter), oldest first; the last change is the newer of the EVSE's own last_updated in the location and its latest status update"));
        var withoutTariff = await quality.FindLocationsWithoutTariffAsync(null, examples, ct);
        response.Findings.Add(Checked("LOCATION_WITHOUT_TARIFF", withoutTariff,
            "published locations with a connector that names no tariff or a tariff id its CPO has not published; example: the location and its first such connector"));
        var orphans = await quality.FindCdrsWithoutSessionAsync(since, null, examples, ct);
        response.Findings.Add(Checked("CDR_WITHOUT_SESSION", orphans,
            $"stored CDRs ending since {since:u} whose session_id is missing or names no session the hub has for that CPO, newest first"));
        response.Findings.Add(await StuckSessionsAsync(examples, ct));
        return response;
    }

    private static PartyKey RequireCpo(PartyRef? party)
    {
        var cpo = ProtoMapping.ToKey(party, "cpo");
        return cpo.Role == Domain.Parties.PartyRole.Cpo ? cpo : throw new HubException(HubErrorCode.InvalidArgument, $"cpo must be a CPO, not {cpo}", "cpo.role");
    }

    private static Finding Checked(string kind, FindingCount found, string note) =>
        new() { Kind = kind, Count = found.Count, Checked = true, Examples = { found.Examples }, Note = note };

    // Sessions PENDING or ACTIVE with no update for Sessions:StuckAfter, counted up to a cap so a huge
    // backlog never makes this call slow; the count then says "at least".
    private async Task<Finding> StuckSessionsAsync(int examples, CancellationToken ct)
    {
        const int Cap = 10_000;
        var stuckAfter = sessionOptions.Value.StuckAfter;
        var silent = await sessions.ListSilentAsync(clock.UtcNow - stuckAfter, null, Cap + 1, ct);
        var finding = new Finding
        {
            Kind = "SESSION_STUCK",
            Count = Math.Min(silent.Count, Cap),
            Checked = true,
            Examples = { silent.Take(examples).Select(s => $"{s.Cpo}/{s.Id} ({s.Status}, for {s.Emsp})") },
            Note = silent.Count > Cap
                ? $"more than {Cap} sessions PENDING or ACTIVE with no update for {stuckAfter} (Sessions:StuckAfter); see ListStuckSessions"
                : $"sessions PENDING or ACTIVE with no update for {stuckAfter} (Sessions:StuckAfter); see ListStuckSessions",
        };
        return finding;
    }

    /// <inheritdoc />
    public override async Task<ResendCdrResponse> ResendCdr(ResendCdrRequest request, ServerCallContext context) =>
        new()
        {
            Outcome = await ResendAsync(context, request.Cpo, request.CdrId, "cdr_id", "CDR", async (cpo, ct) =>
            {
                if (await cdrs.GetAsync(cpo, request.CdrId, ct) is not { } cdr || await feed.RequeueAsync(cpo, cdr.Id, ct) is not { } at)
                {
                    return null;
                }

                // Requeued first, rung after: a subscriber woken by the ring (or by its own poll) finds the new position.
                _ = grains.GetGrain<ICdrFeedGrain>(cdr.Emsp.ToString()).Notify();
                return $"requeued CDR {cdr.Id} at the head of {cdr.Emsp}'s CDR feed (position {at.Major}.{at.Minor}): SubscribeCdrs streams deliver it again";
            }),
        };

    /// <inheritdoc />
    public override async Task<ResendSessionResponse> ResendSession(ResendSessionRequest request, ServerCallContext context) =>
        new()
        {
            Outcome = await ResendAsync(context, request.Cpo, request.SessionId, "session_id", "session", async (cpo, _) =>
                await grains.GetGrain<ISessionGrain>(SessionRecord.KeyOf(cpo, request.SessionId)).Republish() is { } session
                    ? $"republished session {session.Id} ({session.Status}) on {session.Emsp}'s session feed as change {session.Sequence}: SubscribeSessions streams deliver it again"
                    : null),
        };

    // The frame of a resend: operator only, a CPO and an id required, the outcome audited either way ("ops.resend").
    // `resend` returns the outcome, or null when there is no such thing (NotFound).
    private async Task<string> ResendAsync(
        ServerCallContext context, PartyRef? party, string id, string idField, string what, Func<PartyKey, CancellationToken, Task<string?>> resend)
    {
        var caller = context.GetCaller();
        caller.RequireOperator();
        var cpo = RequireCpo(party);
        if (string.IsNullOrEmpty(id))
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{idField} is required", idField);
        }

        var target = what == "CDR" ? $"{cpo}/{id}" : $"{cpo}/{what} {id}";
        var outcome = await resend(cpo, context.CancellationToken);
        await audit.RecordAsync(caller, "ops.resend", target, outcome ?? $"refused: no such {what}", context.CancellationToken);
        return outcome ?? throw new HubException(HubErrorCode.NotFound, $"there is no {what} '{id}' of {cpo}");
    }

    /// <inheritdoc />
    public override async Task<ListAuditLogResponse> ListAuditLog(ListAuditLogRequest request, ServerCallContext context)
    {
        context.GetCaller().RequireOperator();
        var limit = request.Limit switch
        {
            < 0 => throw new HubException(HubErrorCode.InvalidArgument, "limit must not be negative", "limit"),
            0 => 100,
            var n => Math.Min(n, 1000),
        };
        var entries = await store.ListAuditAsync(request.BeforeSequence, limit, context.CancellationToken);
        var response = new ListAuditLogResponse();
        response.Entries.AddRange(entries.Select(e => new AuditLogEntry
        {
            Sequence = e.Sequence, At = Timestamp.FromDateTimeOffset(e.At), Actor = e.Actor, Action = e.Action, Target = e.Target, Detail = e.Detail,
        }));
        return response;
    }
}
