using ClearingHouse.Application.Cdrs;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Grpc;
using ClearingHouse.Server.Identity;
using Grpc.Core;
using PartyRole = ClearingHouse.Domain.Parties.PartyRole;

namespace ClearingHouse.Server.Cdrs;

/// <summary>CDR ingestion for CPOs and reads for EMSPs (see cdrs.proto): each method maps, calls the core once, maps back.</summary>
public sealed class CdrGrpcService(CdrIngestor ingestor, CdrFeed feed) : CdrService.CdrServiceBase
{
    /// <inheritdoc />
    public override async Task SubmitCdrs(IAsyncStreamReader<SubmitCdrsRequest> requestStream, IServerStreamWriter<SubmitCdrsResponse> responseStream, ServerCallContext context)
    {
        var caller = context.GetCaller();
        caller.RequireParty(PartyRole.Cpo); // refuse before reading anything: an EMSP's stream never gets a single CDR in
        var cancellation = context.CancellationToken;
        while (await requestStream.MoveNext(cancellation))
        {
            var request = requestStream.Current;
            var results = await ingestor.IngestAsync(caller, CdrProtoMapping.Documents(request.Cdrs, request.Items), cancellation);
            var response = new SubmitCdrsResponse { BatchId = request.BatchId };
            CdrProtoMapping.AddAcks(response.Acks, results);
            await responseStream.WriteAsync(response, cancellation);
        }
    }

    /// <inheritdoc />
    public override async Task<SubmitCdrBatchResponse> SubmitCdrBatch(SubmitCdrBatchRequest request, ServerCallContext context)
    {
        var results = await ingestor.IngestAsync(context.GetCaller(), CdrProtoMapping.Documents(request.Cdrs, request.Items), context.CancellationToken);
        var response = new SubmitCdrBatchResponse();
        CdrProtoMapping.AddAcks(response.Acks, results);
        return response;
    }

    /// <inheritdoc />
    public override async Task<GetCdrResponse> GetCdr(GetCdrRequest request, ServerCallContext context)
    {
        var cpo = request.Cpo is null ? (Domain.Parties.PartyKey?)null : ProtoMapping.ToKey(request.Cpo, "cpo");
        var cdr = await feed.GetAsync(context.GetCaller(), cpo, request.CdrId, context.CancellationToken);
        return new GetCdrResponse { Cdr = cdr.ToProto() };
    }

    /// <inheritdoc />
    public override async Task<ListCdrsResponse> ListCdrs(ListCdrsRequest request, ServerCallContext context)
    {
        var page = await feed.ListAsync(context.GetCaller(), CdrProtoMapping.ToListRequest(request), context.CancellationToken);
        var response = new ListCdrsResponse { Page = new PageInfo() };
        foreach (var cdr in page.Cdrs)
        {
            response.Cdrs.Add(cdr.ToProto());
        }

        if (page.Next is { } next)
        {
            response.Page.NextPageToken = CdrProtoMapping.EncodeCursor(next);
        }

        return response;
    }

    /// <inheritdoc />
    public override async Task SubscribeCdrs(SubscribeCdrsRequest request, IServerStreamWriter<SubscribeCdrsResponse> responseStream, ServerCallContext context)
    {
        var cancellation = context.CancellationToken;
        await foreach (var message in feed.SubscribeAsync(context.GetCaller(), request.ResumeCursor, request.FromBeginning, cancellation))
        {
            await responseStream.WriteAsync(message.ToProto(), cancellation);
        }
    }
}
