using ClearingHouse.Application.Operations;
using ClearingHouse.Application.Operations.Audit;
using ClearingHouse.Grains.Operations;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Grpc;
using ClearingHouse.Server.Identity;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace ClearingHouse.Server.Operations;

/// <summary>The operator's daily tools (see ops.proto). Operator only. The flows are <see cref="OpsFlow"/> and <see cref="AuditLog"/>.</summary>
public sealed class OpsGrpcService(OpsFlow ops, AuditLog audit) : OpsService.OpsServiceBase
{
    /// <inheritdoc />
    public override async Task<GetHealthResponse> GetHealth(GetHealthRequest request, ServerCallContext context)
    {
        var response = new GetHealthResponse();
        foreach (var p in await ops.GetHealthAsync(context.GetCaller()))
        {
            var row = new PartnerHealth { Party = p.Party.ToProto(), MspChannels = p.MspChannels, StatusSubscriptions = p.StatusSubscriptions };
            if (p.LastSeen is { } seen)
            {
                row.LastSeen = Timestamp.FromDateTimeOffset(seen);
                row.Calls = p.Calls;
                row.Errors = p.Errors;
            }

            response.Partners.Add(row);
        }

        return response;
    }

    /// <inheritdoc />
    public override async Task<ListFindingsResponse> ListFindings(ListFindingsRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        DateTimeOffset? since = request.Since is null ? null : ProtoMapping.ToInstant(request.Since, "since");
        var response = new ListFindingsResponse();
        response.Findings.AddRange((await ops.ListFindingsAsync(caller, request.Examples, since, context.CancellationToken))
            .Select(f => new Finding { Kind = f.Kind, Count = f.Count, Checked = true, Examples = { f.Examples }, Note = f.Note }));
        return response;
    }

    /// <inheritdoc />
    public override async Task<ResendCdrResponse> ResendCdr(ResendCdrRequest request, ServerCallContext context) =>
        new() { Outcome = await ops.ResendCdrAsync(context.GetCaller(), ProtoMapping.ToKey(request.Cpo, "cpo"), request.CdrId, context.CancellationToken) };

    /// <inheritdoc />
    public override async Task<ResendSessionResponse> ResendSession(ResendSessionRequest request, ServerCallContext context) =>
        new() { Outcome = await ops.ResendSessionAsync(context.GetCaller(), ProtoMapping.ToKey(request.Cpo, "cpo"), request.SessionId, context.CancellationToken) };

    /// <inheritdoc />
    public override async Task<ListAuditLogResponse> ListAuditLog(ListAuditLogRequest request, ServerCallContext context)
    {
        var query = new AuditQuery
        {
            Limit = request.Limit,
            BeforeSequence = request.BeforeSequence,
            Action = NullIfEmpty(request.Action),
            Target = NullIfEmpty(request.Target),
            Actor = NullIfEmpty(request.Actor),
            From = request.From is { } from ? ProtoMapping.ToInstant(from, "from") : null,
            Until = request.Until is { } until ? ProtoMapping.ToInstant(until, "until") : null,
        };
        var page = await audit.ListAsync(context.GetCaller(), query, context.CancellationToken);
        var response = new ListAuditLogResponse { NextBeforeSequence = page.NextBeforeSequence };
        response.Entries.AddRange(page.Entries.Select(e => new AuditLogEntry
        {
            Sequence = e.Sequence, At = Timestamp.FromDateTimeOffset(e.At), Actor = e.Actor, Action = e.Action, Target = e.Target, Detail = e.Detail,
        }));
        return response;
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
