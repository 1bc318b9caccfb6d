using ClearingHouse.Application.Access;
using ClearingHouse.Application.Locations;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Locations;
using StatusUpdate = ClearingHouse.Contracts.V1.StatusUpdate;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Grains.Options;
using ClearingHouse.Grains.Parties;
using ClearingHouse.Server.Grpc;
using ClearingHouse.Server.Identity;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using PartyRole = ClearingHouse.Domain.Parties.PartyRole;
using ProtoStatus = ClearingHouse.Contracts.V1.EvseStatus;

namespace ClearingHouse.Server.Locations;

/// <summary>Locations and EVSE status routing (see locations.proto).</summary>
public sealed partial class LocationGrpcService(
    IGrainFactory grains,
    PartyDirectory directory,
    ILocationStore store,
    StatusSubscriptionHub hub,
    ILocationSnapshotCache snapshots,
    ClearingHouse.Application.Cdrs.LocationTimeZones timeZones,
    LocationMetrics metrics,
    HubClock clock,
    IOptions<LocationsOptions> options,
    ILogger<LocationGrpcService> logger) : LocationService.LocationServiceBase
{
    private const int MaxRejectionsReported = 100;
    private const int MaxEventsPerResponse = 2000;

    /// <inheritdoc />
    public override async Task<PutLocationResponse> PutLocation(PutLocationRequest request, ServerCallContext context)
    {
        var cpo = context.GetCaller().RequireParty(PartyRole.Cpo);
        var data = LocationMapping.ToData(request.Location, cpo, clock.UtcNow, options.Value.MaxClockSkew);
        var result = await Location(cpo, data.Id).Put(data);
        if (result.Applied)
        {
            snapshots.Invalidate(cpo, data.Id);
            timeZones.Invalidate(cpo, data.Id);
        }

        return new PutLocationResponse { Applied = result.Applied, Location = result.Location.ToProto() };
    }

    /// <inheritdoc />
    public override async Task<PatchLocationResponse> PatchLocation(PatchLocationRequest request, ServerCallContext context)
    {
        var cpo = context.GetCaller().RequireParty(PartyRole.Cpo);
        LocationMapping.RequireId(request.LocationId, "location_id");
        var patch = LocationMapping.ToPatch(request, clock.UtcNow, options.Value.MaxClockSkew);
        var result = await Location(cpo, request.LocationId).Patch(patch);
        if (result.Applied)
        {
            snapshots.Invalidate(cpo, request.LocationId);
            timeZones.Invalidate(cpo, request.LocationId);
        }

        return new PatchLocationResponse { Applied = result.Applied, Location = result.Location.ToProto() };
    }

    /// <inheritdoc />
    public override async Task<PatchEvseResponse> PatchEvse(PatchEvseRequest request, ServerCallContext context)
    {
        var cpo = context.GetCaller().RequireParty(PartyRole.Cpo);
        LocationMapping.RequireId(request.LocationId, "location_id");
        var patch = LocationMapping.ToPatch(request, clock.UtcNow, options.Value.MaxClockSkew);
        var result = await Location(cpo, request.LocationId).PatchEvse(patch);
        if (result.Applied)
        {
            snapshots.Invalidate(cpo, request.LocationId);
        }

        return new PatchEvseResponse { Applied = result.Applied, Location = result.Location.ToProto() };
    }

    /// <inheritdoc />
    public override async Task<StreamStatusUpdatesResponse> StreamStatusUpdates(IAsyncStreamReader<StreamStatusUpdatesRequest> requestStream, ServerCallContext context)
    {
        var cpo = context.GetCaller().RequireParty(PartyRole.Cpo);
        var o = options.Value;
        var summary = new StreamStatusUpdatesResponse();
        var work = new StatusWork();
        var rejectedMessages = 0;
        Task<bool>? nextMove = null;
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        while (true)
        {
            idle.CancelAfter(o.StreamIdleTimeout);
            bool more;
            try
            {
                more = await (nextMove ?? requestStream.MoveNext(idle.Token));
            }
            catch (OperationCanceledException) when (!context.CancellationToken.IsCancellationRequested)
            {
                LogStreamCut(logger, cpo.ToString(), "idle");
                throw new RpcException(new Status(StatusCode.DeadlineExceeded,
                    $"no status message for {o.StreamIdleTimeout.TotalSeconds:0} s: stream cut after {summary.Messages} messages ({summary.Accepted} accepted)"));
            }
            catch (InvalidDataException)
            {
                throw Garbage(cpo, summary, "a message could not be parsed");
            }

            nextMove = null;
            if (!more)
            {
                break;
            }

            // Coalesce: the messages this client has already sent and the hub has buffered are applied together
            // (one grain call per location and one feed call for all of them). Nothing is waited for, so a quiet
            // stream is applied message by message, and a busy one of single updates gets the batched cost.
            work.Clear();
            string? tooLarge = null;
            var message = requestStream.Current;
            while (true)
            {
                var index = summary.Messages++;
                if (message.Updates.Count > o.MaxUpdatesPerMessage)
                {
                    tooLarge = $"message {index} has {message.Updates.Count} updates; at most {o.MaxUpdatesPerMessage} per message";
                    break;
                }

                work.Add(message, index);
                if (work.Count >= o.MaxUpdatesPerMessage)
                {
                    break;
                }

                var move = requestStream.MoveNext(idle.Token);
                if (!move.IsCompletedSuccessfully || !move.Result)
                {
                    nextMove = move; // still pending, the end of the stream, or an error: handled after this batch
                    break;
                }

                message = requestStream.Current;
            }

            if (work.MessageCount > 0)
            {
                await ApplyAsync(cpo, work, summary);
                foreach (var (updates, rejected) in work.Tallies)
                {
                    if (rejected > 0 && rejected == updates && ++rejectedMessages > o.MaxRejectedMessages)
                    {
                        throw Garbage(cpo, summary, $"more than {o.MaxRejectedMessages} messages had only rejected updates");
                    }
                }
            }

            if (tooLarge is not null)
            {
                throw Garbage(cpo, summary, tooLarge);
            }
        }

        return summary;
    }

    /// <inheritdoc />
    public override async Task<GetLocationResponse> GetLocation(GetLocationRequest request, ServerCallContext context)
    {
        var cpo = ProtoMapping.ToKey(request.Cpo, "cpo");
        RequireCpoRole(cpo, "cpo");
        LocationMapping.RequireId(request.LocationId, "location_id");
        await RequireMayReadAsync(context.GetCaller(), cpo);
        if (await snapshots.GetAsync(cpo, request.LocationId) is { } cached)
        {
            return new GetLocationResponse { Location = cached };
        }

        var location = await Location(cpo, request.LocationId).Get()
            ?? throw new HubException(HubErrorCode.NotFound, $"location {request.LocationId} of {cpo} is not known");
        var proto = location.ToProto();
        snapshots.Set(cpo, request.LocationId, proto);
        return new GetLocationResponse { Location = proto };
    }

    /// <inheritdoc />
    public override async Task<ListLocationsResponse> ListLocations(ListLocationsRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var size = ProtoMapping.PageSize(request.Page);
        if (request.CountryCode.Length > 0)
        {
            HubException.ThrowIfInvalid(PartyRules.ValidateCountryCode(request.CountryCode), "country_code");
        }

        (string, string)? after = null;
        if (ProtoMapping.DecodePageToken(request.Page) is { } position)
        {
            var bar = position.IndexOf('|', StringComparison.Ordinal);
            after = bar > 0 ? (position[..bar], position[(bar + 1)..])
                : throw new HubException(HubErrorCode.InvalidArgument, "page.page_token is not a token this hub returned", "page.page_token");
        }

        IReadOnlyCollection<string>? cpos;
        if (request.Cpo is not null)
        {
            var cpo = ProtoMapping.ToKey(request.Cpo, "cpo");
            RequireCpoRole(cpo, "cpo");
            await RequireMayReadAsync(caller, cpo);
            cpos = [cpo.ToString()];
        }
        else
        {
            cpos = await VisibleCposAsync(caller);
        }

        var entries = await store.PageAsync(new LocationIndexQuery
        {
            Cpos = cpos,
            CountryCode = request.CountryCode.Length > 0 ? request.CountryCode : null,
            UpdatedSinceTicks = request.UpdatedSince is null ? null : ProtoMapping.ToInstant(request.UpdatedSince, "updated_since").UtcTicks,
            After = after,
            Limit = size + 1,
        }, context.CancellationToken);
        var page = entries.Take(size).ToArray();
        var locations = await Task.WhenAll(page.Select(e =>
            PartyKey.TryParse(e.Cpo, out var k) ? Location(k.Value, e.LocationId).Get() : Task.FromResult<LocationData?>(null)));
        var response = new ListLocationsResponse { Page = new PageInfo() };
        response.Locations.AddRange(locations.Where(l => l is not null).Select(l => l!.ToProto()));
        if (entries.Count > size)
        {
            response.Page.NextPageToken = ProtoMapping.EncodePageToken($"{page[^1].Cpo}|{page[^1].LocationId}");
        }

        return response;
    }

    /// <inheritdoc />
    public override async Task SubscribeStatus(SubscribeStatusRequest request, IServerStreamWriter<SubscribeStatusResponse> responseStream, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var emsp = caller.IsOperator ? (PartyKey?)null : caller.RequireParty(PartyRole.Emsp);
        var countries = request.CountryCodes.ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < request.CountryCodes.Count; i++)
        {
            HubException.ThrowIfInvalid(PartyRules.ValidateCountryCode(request.CountryCodes[i]), $"country_codes[{i}]");
        }

        for (var i = 0; i < request.LocationIds.Count; i++)
        {
            LocationMapping.RequireId(request.LocationIds[i], $"location_ids[{i}]");
        }

        var resume = request.ResumeCursor.Length > 0 ? StatusCursor.Decode(request.ResumeCursor) : [];
        HashSet<string> cpos;
        var follows = request.Cpos.Count == 0;
        if (!follows)
        {
            cpos = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < request.Cpos.Count; i++)
            {
                var cpo = ProtoMapping.ToKey(request.Cpos[i], $"cpos[{i}]");
                RequireCpoRole(cpo, $"cpos[{i}]");
                await RequireMayReadAsync(caller, cpo);
                cpos.Add(cpo.ToString());
            }
        }
        else
        {
            cpos = [.. await VisibleCposAsync(caller) ?? await AllCposAsync()];
        }

        if (countries.Count > 0)
        {
            cpos.RemoveWhere(c => !countries.Contains(c[..2]));
        }

        // Without named CPOs the subscription follows the directory: a CPO whose agreement starts
        // later is taken on while the call is open (StatusSubscriptionHub re-checks).
        var subscriber = new StatusSubscriber(
            emsp,
            cpos,
            request.LocationIds.Count > 0 ? request.LocationIds.ToHashSet(StringComparer.Ordinal) : null,
            options.Value.SubscriberQueueEvents,
            follows ? countries : null);
        metrics.SubscriberOpened();
        try
        {
            var registered = await hub.AddAsync(subscriber);
            var positions = new Dictionary<string, (string Epoch, long Sequence)>(StringComparer.Ordinal);
            var resync = new List<PartyRef>();
            var replays = new List<FeedBatch>();
            foreach (var (cpo, live) in registered)
            {
                if (resume.TryGetValue(cpo, out var from))
                {
                    var replay = await Feed(cpo).Replay(from.Epoch, from.Sequence);
                    if (replay.ResyncRequired)
                    {
                        resync.Add(PartyKey.TryParse(cpo, out var k) ? k.Value.ToProto() : new PartyRef());
                        positions[cpo] = (replay.Position.Epoch, replay.Position.Head);
                    }
                    else
                    {
                        positions[cpo] = from;
                        replays.AddRange(replay.Batches);
                    }
                }
                else
                {
                    positions[cpo] = (live.Epoch, live.Head);
                }
            }

            await responseStream.WriteAsync(new SubscribeStatusResponse { SubscribedCursor = StatusCursor.Encode(positions) }, context.CancellationToken);
            if (resync.Count > 0)
            {
                metrics.Resync(resync.Count);
                var signal = new ResyncRequired { Cursor = StatusCursor.Encode(positions) };
                signal.Cpos.AddRange(resync);
                await responseStream.WriteAsync(new SubscribeStatusResponse { ResyncRequired = signal }, context.CancellationToken);
            }

            var view = await directory.GetAsync();
            foreach (var batch in replays)
            {
                var agreed = emsp is not { } e || (PartyKey.TryParse(batch.Cpo, out var c) && view.IsAgreementActive(c.Value, e, clock.UtcNow));
                var events = agreed ? batch.Events.Select((ev, i) => (batch.FirstSequence + i, ev)).Where(x => subscriber.LocationIds?.Contains(x.ev.LocationId) != false).ToList() : [];
                await WriteDeliveriesAsync([new StatusDelivery(batch.Cpo, batch.Epoch, batch.LastSequence, events, false)], positions, responseStream, context);
            }

            await PumpAsync(subscriber, positions, responseStream, context);
        }
        finally
        {
            hub.Remove(subscriber);
            metrics.SubscriberClosed();
        }
    }

    // Writes queued deliveries until the call ends; several deliveries ride in one response.
    private async Task PumpAsync(StatusSubscriber subscriber, Dictionary<string, (string Epoch, long Sequence)> positions, IServerStreamWriter<SubscribeStatusResponse> stream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var pending = new List<StatusDelivery>();
        try
        {
            while (await subscriber.Reader.WaitToReadAsync(ct))
            {
                var events = 0;
                while (events < MaxEventsPerResponse && subscriber.Reader.TryRead(out var delivery))
                {
                    subscriber.Taken(delivery);
                    pending.Add(delivery);
                    events += delivery.Events.Count;
                }

                await WriteDeliveriesAsync(pending, positions, stream, context);
                pending.Clear();
                // Never spin on a fast queue without yielding the thread (DESIGN.md).
                await Task.Yield();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return;
        }

        if (subscriber.Overflowed)
        {
            metrics.Overflow();
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"subscriber too slow: more than {options.Value.SubscriberQueueEvents} events queued; reconnect with resume_cursor {StatusCursor.Encode(positions)}"));
        }
    }

    private async Task WriteDeliveriesAsync(List<StatusDelivery> deliveries, Dictionary<string, (string Epoch, long Sequence)> positions, IServerStreamWriter<SubscribeStatusResponse> stream, ServerCallContext context)
    {
        var batch = new StatusEventBatch();
        List<PartyRef>? resync = null;
        foreach (var d in deliveries)
        {
            positions.TryGetValue(d.Cpo, out var at);
            if (d.Joined)
            {
                positions[d.Cpo] = (d.Epoch, d.LastSequence);
                continue;
            }

            if (d.Resync)
            {
                (resync ??= []).Add(PartyKey.TryParse(d.Cpo, out var k) ? k.Value.ToProto() : new PartyRef());
                positions[d.Cpo] = (d.Epoch, d.LastSequence);
                continue;
            }

            if (at.Epoch != d.Epoch)
            {
                continue; // of an epoch this subscriber has not reached (a resync precedes it)
            }

            if (d.LastSequence <= at.Sequence)
            {
                continue; // already delivered by the replay
            }

            PartyRef? cpoRef = null;
            foreach (var (seq, ev) in d.Events)
            {
                if (seq <= at.Sequence)
                {
                    continue;
                }

                cpoRef ??= PartyKey.TryParse(d.Cpo, out var k) ? k.Value.ToProto() : new PartyRef();
                batch.Events.Add(new StatusEvent
                {
                    Cpo = cpoRef,
                    LocationId = ev.LocationId,
                    EvseUid = ev.EvseUid,
                    Status = (ProtoStatus)(int)ev.Status,
                    LastUpdated = Timestamp.FromDateTime(new DateTime(ev.LastUpdatedTicks, DateTimeKind.Utc)),
                    Sequence = seq,
                    HubReceivedAt = Timestamp.FromDateTime(new DateTime(ev.ReceivedTicks, DateTimeKind.Utc)),
                });
            }

            positions[d.Cpo] = (d.Epoch, d.LastSequence);
        }

        if (resync is not null)
        {
            metrics.Resync(resync.Count);
            var signal = new ResyncRequired { Cursor = StatusCursor.Encode(positions) };
            signal.Cpos.AddRange(resync);
            await stream.WriteAsync(new SubscribeStatusResponse { ResyncRequired = signal }, context.CancellationToken);
        }

        if (batch.Events.Count > 0)
        {
            batch.Cursor = StatusCursor.Encode(positions);
            await stream.WriteAsync(new SubscribeStatusResponse { Batch = batch }, context.CancellationToken);
            metrics.Delivered(batch.Events.Count);
        }
    }

    private async Task ApplyAsync(PartyKey cpo, StatusWork work, StreamStatusUpdatesResponse summary)
    {
        var o = options.Value;
        var now = clock.UtcNow;
        var count = work.Count;
        var outcomes = new StatusOutcome[count];
        var ticks = new long[count];
        var statuses = new Domain.Locations.EvseStatus[count];
        var groups = work.Groups;
        for (var i = 0; i < count; i++)
        {
            var u = work.Update(i);
            var valid = u.LastUpdated is { } ts && ts.Seconds is >= 0 and <= 253402300799 && ts.Nanos is >= 0 and <= 999_999_999;
            ticks[i] = valid ? u.LastUpdated!.ToDateTimeOffset().UtcTicks : 0;
            statuses[i] = u.Status is > ProtoStatus.Unspecified and <= ProtoStatus.Unknown ? (Domain.Locations.EvseStatus)(int)u.Status : Domain.Locations.EvseStatus.Unspecified;
            var error = LocationRules.ValidateUpdate(new Domain.Locations.StatusUpdate(u.LocationId, u.EvseUid, statuses[i], ticks[i]), now, o.MaxClockSkew);
            if (error is not null)
            {
                outcomes[i] = StatusOutcome.Invalid;
                Reject(summary, work, i, RejectReason.Invalid, error);
                continue;
            }

            if (!groups.TryGetValue(u.LocationId, out var list))
            {
                list = [];
                groups[u.LocationId] = list;
            }

            list.Add(i);
        }

        // One grain call per location for everything coalesced, each location's updates in the order sent.
        var calls = new Task<StatusBatchResult>[groups.Count];
        var indices = new List<int>[groups.Count];
        var g = 0;
        foreach (var (locationId, list) in groups)
        {
            indices[g] = list;
            calls[g++] = Location(cpo, locationId).ApplyStatuses(new StatusBatch
            {
                EvseUids = [.. list.Select(i => work.Update(i).EvseUid)],
                Statuses = [.. list.Select(i => statuses[i])],
                LastUpdatedTicks = [.. list.Select(i => ticks[i])],
            });
        }

        var results = await Task.WhenAll(calls);
        for (var k = 0; k < results.Length; k++)
        {
            for (var j = 0; j < indices[k].Count; j++)
            {
                outcomes[indices[k][j]] = results[k].Outcomes[j];
            }
        }

        int accepted = 0, stale = 0, rejected = 0;
        for (var i = 0; i < outcomes.Length; i++)
        {
            var u = work.Update(i);
            switch (outcomes[i])
            {
                case StatusOutcome.Accepted:
                    accepted++;
                    continue;
                case StatusOutcome.Stale:
                    stale++;
                    continue;
                case StatusOutcome.UnknownLocation:
                    Reject(summary, work, i, RejectReason.UnknownLocation, $"location {u.LocationId} is not known");
                    break;
                case StatusOutcome.UnknownEvse:
                    Reject(summary, work, i, RejectReason.UnknownEvse, $"location {u.LocationId} has no EVSE {u.EvseUid}");
                    break;
                default:
                    break; // invalid: reported when validated
            }

            rejected++;
            work.CountRejected(i);
        }

        metrics.Updates(accepted, stale, rejected);
        summary.Accepted += accepted;
        summary.Stale += stale;
        summary.Rejected += rejected;
    }

    private static void Reject(StreamStatusUpdatesResponse summary, StatusWork work, int i, RejectReason reason, string detail)
    {
        if (summary.Rejections.Count < MaxRejectionsReported)
        {
            var (messageIndex, updateIndex) = work.Position(i);
            var update = work.Update(i);
            summary.Rejections.Add(new RejectedUpdate
            {
                MessageIndex = messageIndex,
                UpdateIndex = updateIndex,
                LocationId = update.LocationId,
                EvseUid = update.EvseUid,
                Reason = reason,
                Detail = detail,
            });
        }
    }

    private RpcException Garbage(PartyKey cpo, StreamStatusUpdatesResponse summary, string why)
    {
        LogStreamCut(logger, cpo.ToString(), why);
        return new RpcException(new Status(StatusCode.InvalidArgument,
            $"{why}: stream cut after {summary.Messages} messages ({summary.Accepted} accepted, {summary.Stale} stale, {summary.Rejected} rejected); updates of earlier messages stay applied"));
    }

    private ILocationGrain Location(PartyKey cpo, string locationId) => grains.GetGrain<ILocationGrain>(ILocationGrain.KeyOf(cpo, locationId));

    private IStatusFeedGrain Feed(string cpo) => grains.GetGrain<IStatusFeedGrain>(cpo);

    private static void RequireCpoRole(PartyKey key, string field)
    {
        if (key.Role != PartyRole.Cpo)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field}.role must be PARTY_ROLE_CPO", field + ".role");
        }
    }

    // The operator reads everything; a CPO reads its own; an EMSP reads a CPO it has an active agreement with.
    private async Task RequireMayReadAsync(CallerIdentity caller, PartyKey cpo)
    {
        if (caller.IsOperator || caller.Party == cpo)
        {
            return;
        }

        var emsp = caller.RequireParty(PartyRole.Emsp);
        var view = await directory.GetAsync();
        if (!view.IsAgreementActive(cpo, emsp, clock.UtcNow))
        {
            throw new HubException(HubErrorCode.PermissionDenied, $"{emsp} has no active roaming agreement with {cpo}");
        }
    }

    // The CPOs a caller may see: null (all) for the operator, itself for a CPO, agreed CPOs for an EMSP.
    private async Task<IReadOnlyCollection<string>?> VisibleCposAsync(CallerIdentity caller)
    {
        if (caller.IsOperator)
        {
            return null;
        }

        if (caller.Party is { Role: PartyRole.Cpo } cpo)
        {
            return [cpo.ToString()];
        }

        var emsp = caller.RequireParty(PartyRole.Emsp);
        var view = await directory.GetAsync();
        var now = clock.UtcNow;
        return [.. view.Snapshot.Agreements.Where(a => a.Emsp == emsp && view.IsAgreementActive(a.Cpo, emsp, now)).Select(a => a.Cpo.ToString())];
    }

    private async Task<IReadOnlyCollection<string>> AllCposAsync()
    {
        var view = await directory.GetAsync();
        return [.. view.Snapshot.Parties.Where(p => p.Key.Role == PartyRole.Cpo).Select(p => p.Key.ToString())];
    }

    [LoggerMessage(EventId = 3301, Level = LogLevel.Warning, Message = "Status stream of {Cpo} cut: {Reason}")]
    private static partial void LogStreamCut(ILogger logger, string cpo, string reason);
}
