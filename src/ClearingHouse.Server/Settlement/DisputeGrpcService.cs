using ClearingHouse.Application.Settlement;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Grpc;
using ClearingHouse.Server.Identity;
using Grpc.Core;

namespace ClearingHouse.Server.Settlement;

/// <summary>The dispute workflow (see disputes.proto). The flow is <see cref="DisputeFlow"/>.</summary>
public sealed class DisputeGrpcService(DisputeFlow disputes) : DisputeService.DisputeServiceBase
{
    /// <inheritdoc />
    public override async Task<ListDisputesResponse> ListDisputes(ListDisputesRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var cpo = request.Cpo is null ? (Domain.Parties.PartyKey?)null : ProtoMapping.ToKey(request.Cpo, "cpo");
        var emsp = request.Emsp is null ? (Domain.Parties.PartyKey?)null : ProtoMapping.ToKey(request.Emsp, "emsp");
        var page = await disputes.ListAsync(
            caller, cpo, emsp, SettlementMapping.ToDomain(ProtoMapping.Known(request.State, "state")), ProtoMapping.DecodePageToken(request.Page), ProtoMapping.PageSize(request.Page), context.CancellationToken);
        var response = new ListDisputesResponse { Page = ProtoMapping.NextPage(page.NextPosition) };
        response.Disputes.AddRange(page.Items.Select(d => d.ToProto()));
        return response;
    }

    /// <inheritdoc />
    public override async Task<OpenDisputeResponse> OpenDispute(OpenDisputeRequest request, ServerCallContext context)
    {
        var dispute = await disputes.OpenAsync(context.GetCaller(), ProtoMapping.ToKey(request.Cpo, "cpo"), request.CdrId, request.Reason, context.CancellationToken);
        return new OpenDisputeResponse { Dispute = dispute.ToProto() };
    }

    /// <inheritdoc />
    public override async Task<MoveDisputeResponse> MoveDispute(MoveDisputeRequest request, ServerCallContext context)
    {
        var move = new DisputeMove(request.Id, SettlementMapping.ToDomain(ProtoMapping.Known(request.To, "to")), request.Reason, request.CreditCdrId, request.NewCdrId);
        return new MoveDisputeResponse { Dispute = (await disputes.MoveAsync(context.GetCaller(), move, context.CancellationToken)).ToProto() };
    }

    /// <inheritdoc />
    public override async Task<GetDisputeResponse> GetDispute(GetDisputeRequest request, ServerCallContext context)
    {
        var history = await disputes.GetAsync(context.GetCaller(), request.Id, context.CancellationToken);
        var response = new GetDisputeResponse { Dispute = history.Dispute.ToProto() };
        response.Changes.AddRange(history.Changes.Select(e => e.ToProto()));
        return response;
    }
}
