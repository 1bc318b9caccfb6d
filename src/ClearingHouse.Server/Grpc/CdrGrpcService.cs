using ClearingHouse.Application.Cdrs;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Parties;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Server.Cdrs;
using ClearingHouse.Server.Identity;
using ClearingHouse.Server.Options;
using System.Threading.Channels;
using Google.Protobuf.Collections;
using Grpc.Core;
using Microsoft.Extensions.Options;
using PartyRole = ClearingHouse.Domain.Parties.PartyRole;

namespace ClearingHouse.Server.Grpc;

/// <summary>CDR ingestion for CPOs and reads for EMSPs (see cdrs.proto).</summary>
public sealed class CdrGrpcService(
    CdrIngestor ingestor,
    ICdrStore store,
    ICdrFeedStore feed,
    CdrSubscriptionHub hub,
    PartyDirectory directory,
    HubClock clock,
    IOptions<CdrOptions> options) : CdrService.CdrServiceBase
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

    /// <inheritdoc />
    public override async Task SubscribeCdrs(SubscribeCdrsRequest request, IServerStreamWriter<SubscribeCdrsResponse> responseStream, ServerCallContext context)
    {
        var emsp = context.GetCaller().RequireParty(PartyRole.Emsp);
        var cancellation = context.CancellationToken;
        var position = request.ResumeCursor.Length > 0 ? CdrFeedCursor.Decode(request.ResumeCursor, emsp)
            : request.FromBeginning ? CdrFeedPosition.Start
            : await feed.GetFeedHeadAsync(cancellation);
        var subscription = new CdrSubscription(emsp);
        try
        {
            // Registered before the first read: a CDR committed after that read rings the doorbell.
            await hub.AddAsync(subscription);
            var delivered = CdrFeedCursor.Encode(emsp, position);
            await responseStream.WriteAsync(new SubscribeCdrsResponse { Cursor = delivered }, cancellation);
            var o = options.Value;
            var queue = Channel.CreateBounded<SubscribeCdrsResponse>(new BoundedChannelOptions(Math.Max(1, o.SubscriberQueueCdrs / o.SubscriberBatchSize))
            {
                SingleReader = true,
                SingleWriter = true,
            });
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            var reading = ReadAheadAsync(subscription, position, queue.Writer, stop.Token);
            try
            {
                await foreach (var message in queue.Reader.ReadAllAsync(cancellation))
                {
                    await responseStream.WriteAsync(message, cancellation);
                    delivered = message.Cursor;
                    hub.Delivered(message.Events.Count);
                }
            }
            catch (SubscriberTooSlowException)
            {
                hub.Overflowed();
                throw new RpcException(new Status(StatusCode.ResourceExhausted,
                    $"subscriber too slow: {o.SubscriberQueueCdrs} CDRs queued for more than {o.SubscriberStallTimeout.TotalSeconds:0.###} s; reconnect with resume_cursor {delivered}"));
            }
            finally
            {
                await stop.CancelAsync();
                await reading;
            }
        }
        finally
        {
            hub.Remove(subscription);
        }
    }

    // Reads the EMSP's feed from the store into the subscriber's bounded queue, ahead of the stream writer. When the
    // queue stays full longer than the stall timeout, completes it with SubscriberTooSlowException.
    private async Task ReadAheadAsync(CdrSubscription subscription, CdrFeedPosition position, ChannelWriter<SubscribeCdrsResponse> queue, CancellationToken cancellation)
    {
        var o = options.Value;
        var emsp = subscription.Emsp;
        try
        {
            while (!cancellation.IsCancellationRequested)
            {
                var page = await feed.ReadFeedAsync(emsp, position, o.SubscriberBatchSize, cancellation);
                if (page.Count == 0)
                {
                    await subscription.WaitAsync(o.SubscriberPollInterval, cancellation);
                    continue;
                }

                var view = await directory.GetAsync();
                var now = clock.UtcNow;
                var message = new SubscribeCdrsResponse();
                foreach (var entry in page)
                {
                    position = entry.Position;
                    // Only CPOs it has an active agreement with; the cursor moves past the others.
                    if (view.IsAgreementActive(entry.Cdr.Cpo, emsp, now))
                    {
                        message.Events.Add(new CdrEvent { Cdr = entry.Cdr.ToProto(), Cursor = CdrFeedCursor.Encode(emsp, position) });
                    }
                }

                if (message.Events.Count == 0)
                {
                    continue;
                }

                message.Cursor = message.Events[^1].Cursor;
                if (!queue.TryWrite(message))
                {
                    using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
                    stall.CancelAfter(o.SubscriberStallTimeout);
                    try
                    {
                        while (!queue.TryWrite(message))
                        {
                            await queue.WaitToWriteAsync(stall.Token);
                        }
                    }
                    catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
                    {
                        queue.TryComplete(new SubscriberTooSlowException());
                        return;
                    }
                }
            }

            queue.TryComplete();
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            queue.TryComplete();
        }
        catch (Exception ex)
        {
            queue.TryComplete(ex);
        }
    }

    private sealed class SubscriberTooSlowException : Exception;

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
