using System.Globalization;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Parties;
using ClearingHouse.Grains.Settlement;
using Microsoft.Extensions.Options;
using ClearingHouse.Grains.Options;
using ClearingHouse.Grains.Sessions;
using ClearingHouse.Server.Identity;
using ClearingHouse.Server.Locations;
using ClearingHouse.Server.Operations;
using ClearingHouse.Server.Settlement;
using ClearingHouse.Server.Tokens;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace ClearingHouse.Server.Grpc;

/// <summary>The operator's daily tools (see ops.proto). Operator only.</summary>
public sealed class OpsGrpcService(
    PartyDirectory directory, PartnerActivity activity, MspChannelHub channels, StatusSubscriptionHub subscriptions,
    ISettlementStore store, ICdrStore cdrs, ISessionStore sessions, IOptions<SessionsOptions> sessionOptions,
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
        response.Findings.Add(await StuckSessionsAsync(examples, ct));
        foreach (var (kind, note) in new[]
        {
            ("EVSE_STATUS_STALE", "not checked yet: the location store has no query over status age (next step: an index on evse_status.last_updated)"),
            ("LOCATION_WITHOUT_TARIFF", "not checked yet: needs the locations' connector tariff ids joined with the CPO tariffs"),
            ("CDR_WITHOUT_SESSION", "not checked yet: needs the CDR store's session ids joined with the sessions table"),
        })
        {
            response.Findings.Add(new Finding { Kind = kind, Checked = false, Note = note });
        }

        return response;
    }

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
    public override async Task<ResendCdrResponse> ResendCdr(ResendCdrRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        caller.RequireOperator();
        var cpo = ProtoMapping.ToKey(request.Cpo, "cpo");
        if (string.IsNullOrEmpty(request.CdrId))
        {
            throw new HubException(HubErrorCode.InvalidArgument, "cdr_id is required", "cdr_id");
        }

        var target = $"{cpo}/{request.CdrId}";
        var cdr = await cdrs.GetAsync(cpo, request.CdrId, context.CancellationToken);
        if (cdr is null)
        {
            await audit.RecordAsync(caller, "ops.resend", target, "refused: no such CDR", context.CancellationToken);
            throw new HubException(HubErrorCode.NotFound, $"there is no CDR '{request.CdrId}' of {cpo}");
        }

        const string NoPath = "refused: this hub has no delivery path for CDRs to EMSPs yet (EMSPs read CDRs with ListCdrs); nothing was sent";
        await audit.RecordAsync(caller, "ops.resend", target, NoPath, context.CancellationToken);
        throw new HubException(HubErrorCode.FailedPrecondition, $"cannot resend CDR '{cdr.Id}' to {cdr.Emsp}: {NoPath[9..]}");
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
