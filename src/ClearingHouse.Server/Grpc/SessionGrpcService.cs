using ClearingHouse.Application.Sessions;
using System.Globalization;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Sessions;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Grains.Options;
using ClearingHouse.Grains.Parties;
using ClearingHouse.Grains.Sessions;
using ClearingHouse.Server.Identity;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using PartyRole = ClearingHouse.Domain.Parties.PartyRole;

namespace ClearingHouse.Server.Grpc;

/// <summary>Sessions: CPOs report them, EMSPs read and follow them, operators see stuck ones (see sessions.proto).</summary>
public sealed partial class SessionGrpcService(
    IGrainFactory grains,
    ISessionStore store,
    PartyDirectory directory,
    PartyFeedHub feeds,
    SessionMetrics metrics,
    HubClock clock,
    IOptions<SessionsOptions> options,
    ILogger<SessionGrpcService> logger) : SessionService.SessionServiceBase
{
    /// <inheritdoc />
    public override async Task<PutSessionResponse> PutSession(PutSessionRequest request, ServerCallContext context)
    {
        var cpo = context.GetCaller().RequireParty(PartyRole.Cpo);
        var session = SessionProtoMapping.ToRecord(request.Session, cpo);
        await RequireOwnLocationAsync(cpo, session.LocationId, session.EvseUid);
        var view = await directory.GetAsync();
        var agreementActive = view.IsAgreementActive(cpo, session.Emsp, clock.UtcNow);
        var write = await Grain(cpo, session.Id).Put(session, agreementActive);
        Log(write, cpo);
        return new PutSessionResponse { Session = ToProto(write.Session), Result = ToResult(write.Verdict) };
    }

    /// <inheritdoc />
    public override async Task<PatchSessionResponse> PatchSession(PatchSessionRequest request, ServerCallContext context)
    {
        var cpo = context.GetCaller().RequireParty(PartyRole.Cpo);
        HubException.ThrowIfInvalid(TokenRules.ValidateId(request.SessionId, required: true), "session_id");
        var patch = SessionProtoMapping.ToPatch(request);
        var write = await Grain(cpo, request.SessionId).Patch(patch);
        Log(write, cpo);
        return new PatchSessionResponse { Session = ToProto(write.Session), Result = ToResult(write.Verdict) };
    }

    /// <inheritdoc />
    public override async Task<GetSessionResponse> GetSession(GetSessionRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var cpo = ProtoMapping.ToKey(request.Cpo, "cpo");
        if (cpo.Role != PartyRole.Cpo)
        {
            throw new HubException(HubErrorCode.InvalidArgument, "cpo.role must be PARTY_ROLE_CPO", "cpo.role");
        }

        HubException.ThrowIfInvalid(TokenRules.ValidateId(request.SessionId, required: true), "session_id");
        var session = await Grain(cpo, request.SessionId).Get();
        // Another party's session is reported as absent: an EMSP learns nothing about others' sessions.
        if (session is null || !(caller.IsOperator || caller.Party == session.Emsp || caller.Party == session.Cpo))
        {
            throw new HubException(HubErrorCode.NotFound, "no such session of the caller");
        }

        return new GetSessionResponse { Session = ToProto(session) };
    }

    /// <inheritdoc />
    public override async Task<ListSessionsResponse> ListSessions(ListSessionsRequest request, ServerCallContext context)
    {
        var emsp = context.GetCaller().RequireParty(PartyRole.Emsp);
        var size = ProtoMapping.PageSize(request.Page);
        var after = DecodePosition(request.Page);
        DateTimeOffset? since = request.UpdatedSince is { } s ? SessionProtoMapping.ToTime(s, "updated_since") : null;
        var rows = await store.ListAsync(emsp, since, after, size + 1, context.CancellationToken);
        var response = new ListSessionsResponse { Page = new PageInfo() };
        foreach (var row in rows.Take(size))
        {
            response.Sessions.Add(ToProto(row));
        }

        if (rows.Count > size)
        {
            var last = rows[size - 1];
            response.Page.NextPageToken = EncodePosition(last.LastUpdated, last);
        }

        return response;
    }

    /// <inheritdoc />
    public override async Task SubscribeSessions(SubscribeSessionsRequest request, IServerStreamWriter<SubscribeSessionsResponse> responseStream, ServerCallContext context)
    {
        var emsp = context.GetCaller().RequireParty(PartyRole.Emsp);
        long? cursor = null;
        if (request.Cursor.Length > 0)
        {
            cursor = long.TryParse(request.Cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var c)
                ? c
                : throw new HubException(HubErrorCode.InvalidArgument, "cursor is not a cursor this hub returned", "cursor");
        }

        var ct = context.CancellationToken;
        var o = options.Value;
        // Subscribe before reading where to start, so no change falls between the two.
        var subscription = await feeds.SubscribeAsync(emsp, FeedKind.Sessions);
        try
        {
            var after = cursor ?? (request.FromStart ? 0 : await store.LastSequenceAsync(emsp, ct));
            // Headers now: the client knows the subscription is live before the first event.
            await context.WriteResponseHeadersAsync([]);
            while (!ct.IsCancellationRequested)
            {
                var batch = await store.ChangesAsync(emsp, after, o.SubscriptionBatchSize, ct);
                foreach (var session in batch)
                {
                    await responseStream.WriteAsync(new SubscribeSessionsResponse
                    {
                        Session = ToProto(session),
                        Cursor = session.Sequence.ToString(CultureInfo.InvariantCulture),
                    }, ct);
                    after = session.Sequence;
                }

                if (batch.Count == o.SubscriptionBatchSize)
                {
                    // More to replay: yield so a long replay never holds a thread.
                    await Task.Yield();
                    continue;
                }

                using var poll = CancellationTokenSource.CreateLinkedTokenSource(ct);
                poll.CancelAfter(o.SubscriptionPollInterval);
                try
                {
                    await subscription.Doorbell.Reader.ReadAsync(poll.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    // No signal within the poll interval: read the store anyway.
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The subscriber went away.
        }
        finally
        {
            await feeds.UnsubscribeAsync(subscription);
        }
    }

    /// <inheritdoc />
    public override async Task<ListStuckSessionsResponse> ListStuckSessions(ListStuckSessionsRequest request, ServerCallContext context)
    {
        context.GetCaller().RequireOperator();
        var size = ProtoMapping.PageSize(request.Page);
        var after = DecodePosition(request.Page);
        var now = clock.UtcNow;
        var rows = await store.ListSilentAsync(now - options.Value.StuckAfter, after, size + 1, context.CancellationToken);
        var response = new ListStuckSessionsResponse { Page = new PageInfo() };
        foreach (var row in rows.Take(size))
        {
            response.Sessions.Add(new StuckSession { Session = row.ToProto(stuck: true), SilentFor = Duration.FromTimeSpan(now - row.ReceivedAt) });
        }

        if (rows.Count > size)
        {
            var last = rows[size - 1];
            response.Page.NextPageToken = EncodePosition(last.ReceivedAt, last);
        }

        return response;
    }

    private static SessionWriteResult ToResult(SessionVerdict verdict) => verdict switch
    {
        SessionVerdict.Create => SessionWriteResult.Created,
        SessionVerdict.Apply => SessionWriteResult.Updated,
        SessionVerdict.Unchanged => SessionWriteResult.Unchanged,
        _ => SessionWriteResult.Stale,
    };

    // Ids never contain spaces (printable ASCII without spaces), so a space separates the parts.
    private static string EncodePosition(DateTimeOffset at, SessionRecord last) =>
        ProtoMapping.EncodePageToken(string.Create(CultureInfo.InvariantCulture, $"{at.UtcTicks} {last.Cpo} {last.Id}"));

    private static SessionPosition? DecodePosition(PageRequest? page)
    {
        if (ProtoMapping.DecodePageToken(page) is not { } text)
        {
            return null;
        }

        var parts = text.Split(' ');
        return parts.Length == 3 && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ticks) && ticks is >= 0 and <= 3155378975999999999
            ? new SessionPosition(new DateTimeOffset(ticks, TimeSpan.Zero), parts[1], parts[2])
            : throw new HubException(HubErrorCode.InvalidArgument, "page.page_token is not a token this hub returned", "page.page_token");
    }

    private Contracts.V1.Session ToProto(SessionRecord session) =>
        session.ToProto(SessionRules.IsStuck(session.Status, session.ReceivedAt, clock.UtcNow, options.Value.StuckAfter));

    // A session must run at a location (and EVSE) the CPO published: location keys include the CPO,
    // so another CPO's location is simply unknown here.
    private async Task RequireOwnLocationAsync(PartyKey cpo, string locationId, string evseUid)
    {
        var location = await grains.GetGrain<ILocationGrain>(ILocationGrain.KeyOf(cpo, locationId)).Get()
            ?? throw new HubException(HubErrorCode.FailedPrecondition, $"location {locationId} is not a location of {cpo}; publish it with LocationService.PutLocation first", "session.location_id");
        if (evseUid.Length > 0 && !Array.Exists(location.Evses, e => e.Uid == evseUid))
        {
            throw new HubException(HubErrorCode.FailedPrecondition, $"location {locationId} has no EVSE {evseUid}", "session.evse_uid");
        }
    }

    private ISessionGrain Grain(PartyKey cpo, string id) => grains.GetGrain<ISessionGrain>(SessionRecord.KeyOf(cpo, id));

    private void Log(SessionWrite write, PartyKey cpo)
    {
        metrics.Written(write.Verdict.ToString().ToLowerInvariant());
        if (write.Verdict == SessionVerdict.Stale)
        {
            LogStale(logger, cpo.ToString(), write.Session.Id);
        }
    }

    [LoggerMessage(EventId = 5301, Level = LogLevel.Information, Message = "CPO {Cpo} sent a stale update of session {SessionId}; ignored")]
    private static partial void LogStale(ILogger logger, string cpo, string sessionId);
}
