using ClearingHouse.Application.Settlement.Invoices;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Grpc;
using ClearingHouse.Server.Identity;
using Grpc.Core;

namespace ClearingHouse.Server.Invoices;

/// <summary>Invoice reconciliation (see invoices.proto). The flow is <see cref="InvoiceFlow"/>.</summary>
public sealed class InvoiceGrpcService(InvoiceFlow invoices) : InvoiceService.InvoiceServiceBase
{
    /// <inheritdoc />
    public override async Task<SubmitInvoiceResponse> SubmitInvoice(SubmitInvoiceRequest request, ServerCallContext context) =>
        (await invoices.SubmitAsync(context.GetCaller(), InvoiceMapping.ToDraft(request.Record), context.CancellationToken)).ToProto();

    /// <inheritdoc />
    public override async Task<GetInvoiceResponse> GetInvoice(GetInvoiceRequest request, ServerCallContext context)
    {
        var (invoice, prices) = await invoices.GetWithPricesAsync(context.GetCaller(), request.Number, context.CancellationToken);
        return InvoiceMapping.ToGetResponse(invoice, prices);
    }

    /// <inheritdoc />
    public override async Task<ListInvoicesResponse> ListInvoices(ListInvoicesRequest request, ServerCallContext context)
    {
        var cpo = request.Cpo is null ? (Domain.Parties.PartyKey?)null : ProtoMapping.ToKey(request.Cpo, "cpo");
        var emsp = request.Emsp is null ? (Domain.Parties.PartyKey?)null : ProtoMapping.ToKey(request.Emsp, "emsp");
        var page = await invoices.ListAsync(context.GetCaller(), cpo, emsp, ProtoMapping.DecodePageToken(request.Page), ProtoMapping.PageSize(request.Page), context.CancellationToken);
        var response = new ListInvoicesResponse { Page = ProtoMapping.NextPage(page.NextPosition) };
        response.Records.AddRange(page.Items.Select(i => i.ToProto()));
        return response;
    }
}
