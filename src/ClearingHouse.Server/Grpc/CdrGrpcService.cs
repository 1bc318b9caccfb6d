using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Server.Cdrs;
using ClearingHouse.Server.Identity;
using ClearingHouse.Server.Options;
using Google.Protobuf.Collections;
using Grpc.Core;
using Microsoft.Extensions.Options;
using PartyRole = ClearingHouse.Domain.Parties.PartyRole;

namespace ClearingHouse.Server.Grpc;

/// <summary>CDR ingestion for CPOs and reads for EMSPs (see cdrs.proto).</summary>
public sealed class CdrGrpcService(CdrIngestor ingestor, ICdrStore store, IOptions<CdrOptions> options) : CdrService.CdrServiceBase
{
    /// <inheritdoc />
    public override async Task SubmitCdrs(IAsyncStreamReader<SubmitCdrsRequest> requestStream, IServerStreamWriter<SubmitCdrsResponse> responseStream, ServerCallContext context)
    {
        // Refuse before reading anything: an EMSP's stream never gets a single CDR in.
        var cpo = context.GetCaller().RequireParty(PartyRole.Cpo);
        var cancellation = context.CancellationToken;
        while (await requestStream.MoveNext(cancellation))
        {
            var request = requestStream.Current;
            CheckBatch(request.Cdrs);
            var results = await ingestor.IngestAsync(cpo, request.Cdrs, cancellation);
            var response = new SubmitCdrsResponse { BatchId = request.BatchId };
            foreach (var result in results)
            {
                response.Acks.Add(result.ToProto());
            }

            await responseStream.WriteAsync(response, cancellation);
        }
    }

    /// <inheritdoc />
    public override async Task<SubmitCdrBatchResponse> SubmitCdrBatch(SubmitCdrBatchRequest request, ServerCallContext context)
    {
        var cpo = context.GetCaller().RequireParty(PartyRole.Cpo);
        CheckBatch(request.Cdrs);
        var results = await ingestor.IngestAsync(cpo, request.Cdrs, context.CancellationToken);
        var response = new SubmitCdrBatchResponse();
        foreach (var result in results)
        {
            response.Acks.Add(result.ToProto());
        }

        return response;
    }

    /// <inheritdoc />
    public override async Task<GetCdrResponse> GetCdr(GetCdrRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        if (string.IsNullOrEmpty(request.CdrId) || request.CdrId.Length > Domain.Cdrs.CdrValidator.MaxIdLength)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"cdr_id is required, at most {Domain.Cdrs.CdrValidator.MaxIdLength} characters", "cdr_id");
        }

        PartyKey cpo;
        if (request.Cpo is null)
        {
            cpo = caller.Party is { Role: PartyRole.Cpo } self ? self : throw new HubException(HubErrorCode.InvalidArgument, "cpo is required", "cpo");
        }
        else
        {
            cpo = ToCpo(request.Cpo);
            if (caller.Party is { Role: PartyRole.Cpo } self && self != cpo)
            {
                throw new HubException(HubErrorCode.PermissionDenied, $"a CPO may only read its own CDRs, not those of {cpo}");
            }
        }

        var cdr = await store.GetAsync(cpo, request.CdrId, context.CancellationToken);
        // An EMSP asking for another EMSP's CDR learns nothing, not even that it exists.
        if (cdr is null || (caller.Party is { Role: PartyRole.Emsp } emsp && cdr.Emsp != emsp))
        {
            throw new HubException(HubErrorCode.NotFound, $"there is no CDR '{request.CdrId}' of {cpo} for you");
        }

        return new GetCdrResponse { Cdr = cdr.ToProto() };
    }

    /// <inheritdoc />
    public override async Task<ListCdrsResponse> ListCdrs(ListCdrsRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var size = ProtoMapping.PageSize(request.Page);
        PartyKey? cpo = request.Cpo is null ? null : ToCpo(request.Cpo);
        PartyKey? emsp = null;
        if (request.Emsp is not null)
        {
            emsp = ProtoMapping.ToKey(request.Emsp, "emsp");
            if (emsp.Value.Role != PartyRole.Emsp)
            {
                throw new HubException(HubErrorCode.InvalidArgument, "emsp.role must be PARTY_ROLE_EMSP", "emsp.role");
            }
        }

        if (caller.Party is { } party)
        {
            var own = party.Role == PartyRole.Cpo ? cpo : emsp;
            if (own is { } named && named != party)
            {
                throw new HubException(HubErrorCode.PermissionDenied, $"{party} may only list its own CDRs, not those of {named}");
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

        DateTimeOffset? from = request.From is null ? null : ProtoMapping.ToInstant(request.From, "from");
        DateTimeOffset? to = request.To is null ? null : ProtoMapping.ToInstant(request.To, "to");
        if (from is { } f && to is { } t && t <= f)
        {
            throw new HubException(HubErrorCode.InvalidArgument, "to must be after from", "to");
        }

        var page = await store.ListAsync(
            new CdrQuery { Cpo = cpo, Emsp = emsp, From = from, To = to, After = PricingMapping.DecodeCursor(request.Page), Limit = size + 1 },
            context.CancellationToken);
        var response = new ListCdrsResponse { Page = new PageInfo() };
        for (var i = 0; i < Math.Min(size, page.Count); i++)
        {
            response.Cdrs.Add(page[i].ToProto());
        }

        if (page.Count > size)
        {
            response.Page.NextPageToken = PricingMapping.EncodeCursor(page[size - 1].Cursor);
        }

        return response;
    }

    private void CheckBatch(RepeatedField<string> cdrs)
    {
        var max = options.Value.MaxBatchSize;
        if (cdrs.Count == 0 || cdrs.Count > max)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"cdrs must hold 1 to {max} CDRs, not {cdrs.Count}", "cdrs");
        }
    }

    private static PartyKey ToCpo(PartyRef party)
    {
        var key = ProtoMapping.ToKey(party, "cpo");
        return key.Role == PartyRole.Cpo ? key : throw new HubException(HubErrorCode.InvalidArgument, "cpo.role must be PARTY_ROLE_CPO", "cpo.role");
    }
}
