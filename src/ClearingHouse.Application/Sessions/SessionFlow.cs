using System.Globalization;
using ClearingHouse.Application.Access;
using ClearingHouse.Application.Errors;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Sessions;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Grains.Options;
using ClearingHouse.Grains.Sessions;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Application.Sessions;

/// <summary>
/// Charging sessions, below every edge: CPOs report them (PUT and PATCH, applied by the session grain's state machine),
/// EMSPs read, list and follow theirs on a resumable live feed, the operator lists stuck ones. Access: a CPO writes only
/// its own sessions at its own locations, an EMSP reads only sessions of its tokens, a new session needs an active
/// agreement, and an open feed is watched by <see cref="LiveAccess"/> (suspension or revocation ends it, an agreement
/// that ends stops that CPO's sessions on it).
/// </summary>
public sealed partial class SessionFlow(
    IGrainFactory grains,
    ISessionStore store,
    AccessPolicy access,
    LiveAccess live,
    PartyFeedHub feeds,
    SessionMetrics metrics,
    HubClock clock,
    ClockSkewBound skew,
    IOptions<SessionsOptions> options,
    ILogger<SessionFlow> logger)
{
    /// <summary>Applies a full version of a session of the calling CPO (OCPI PUT).</summary>
    public async Task<SessionWriteView> PutAsync(CallerIdentity caller, SessionRecord session)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(session);
        var cpo = caller.RequireParty(PartyRole.Cpo);
        if (session.Cpo != cpo)
        {
            throw new HubException(HubErrorCode.PermissionDenied, $"the session belongs to {session.Cpo}; a CPO may only put its own sessions");
        }

        skew.Check(session.LastUpdated, "session.last_updated");

        await RequireOwnLocationAsync(cpo, session.LocationId, session.EvseUid);
        var agreementActive = await access.MayExchangeAsync(cpo, session.Emsp);
        return Written(await Grain(cpo, session.Id).Put(session, agreementActive), cpo);
    }

    /// <summary>Applies a PATCH to a session of the calling CPO; NotFound when it has none with this id.</summary>
    public async Task<SessionWriteView> PatchAsync(CallerIdentity caller, string sessionId, SessionPatch patch)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var cpo = caller.RequireParty(PartyRole.Cpo);
        HubException.ThrowIfInvalid(TokenRules.ValidateId(sessionId, required: true), "session_id");
        ArgumentNullException.ThrowIfNull(patch);
        skew.Check(patch.LastUpdated, "last_updated");
        return Written(await Grain(cpo, sessionId).Patch(patch), cpo);
    }

    /// <summary>A session, for its CPO, its EMSP or the operator; anyone else's is reported as absent (NotFound).</summary>
    public async Task<SessionView> GetAsync(CallerIdentity caller, PartyKey cpo, string sessionId)
    {
        ArgumentNullException.ThrowIfNull(caller);
        HubException.ThrowIfInvalid(TokenRules.ValidateId(sessionId, required: true), "session_id");
        var session = await Grain(cpo, sessionId).Get();
        // An EMSP learns nothing about others' sessions.
        return session is null || !(caller.IsOperator || caller.Party == session.Emsp || caller.Party == session.Cpo)
            ? throw new HubException(HubErrorCode.NotFound, "no such session of the caller")
            : View(session);
    }

    /// <summary>The calling EMSP's sessions by last update, <paramref name="size"/> per page, after the position a previous page returned.</summary>
    public async Task<Page<SessionView>> ListAsync(CallerIdentity caller, DateTimeOffset? updatedSince, string? after, int size, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var emsp = caller.RequireParty(PartyRole.Emsp);
        var rows = await store.ListAsync(emsp, updatedSince, DecodePosition(after), size + 1, cancellationToken);
        var next = rows.Count > size ? EncodePosition(rows[size - 1].LastUpdated, rows[size - 1]) : null;
        return new Page<SessionView>(rows.Take(size).Select(View).ToList(), next);
    }

    /// <summary>
    /// How many of the calling EMSP's sessions were last updated from <paramref name="updatedSince"/> (inclusive) until
    /// <paramref name="updatedBefore"/> (exclusive): the total of the pages <see cref="ListAsync"/> returns.
    /// </summary>
    public Task<long> CountAsync(CallerIdentity caller, DateTimeOffset? updatedSince, DateTimeOffset? updatedBefore, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return store.CountAsync(caller.RequireParty(PartyRole.Emsp), updatedSince, updatedBefore, cancellationToken);
    }

    /// <summary>For the operator: sessions PENDING or ACTIVE with no update for <c>Sessions:StuckAfter</c>, longest silent first.</summary>
    public async Task<Page<StuckSessionView>> ListStuckAsync(CallerIdentity caller, string? after, int size, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        caller.RequireOperator();
        var now = clock.UtcNow;
        var rows = await store.ListSilentAsync(now - options.Value.StuckAfter, DecodePosition(after), size + 1, cancellationToken);
        var next = rows.Count > size ? EncodePosition(rows[size - 1].ReceivedAt, rows[size - 1]) : null;
        return new Page<StuckSessionView>(rows.Take(size).Select(r => new StuckSessionView(r, now - r.ReceivedAt)).ToList(), next);
    }

    /// <summary>
    /// Streams the calling EMSP's session changes to <paramref name="sink"/>: from <paramref name="cursor"/> (a cursor this
    /// hub returned), else from the start when <paramref name="fromStart"/>, else from now; live until the call ends.
    /// A suspended EMSP or a revoked credential ends the stream with PermissionDenied; changes of a CPO the EMSP has no
    /// active agreement with are left out.
    /// </summary>
    public Task SubscribeAsync(CallerIdentity caller, string? cursor, bool fromStart, ILiveSink<SessionChange> sink, CancellationToken callAborted)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(sink);
        var emsp = caller.RequireParty(PartyRole.Emsp);
        long? start = null;
        if (!string.IsNullOrEmpty(cursor))
        {
            start = long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var c)
                ? c
                : throw new HubException(HubErrorCode.InvalidArgument, "cursor is not a cursor this hub returned", "cursor");
        }

        return live.RunAsync(caller, stream => FollowAsync(emsp, start, fromStart, sink, stream, callAborted), callAborted);
    }

    private async Task FollowAsync(PartyKey emsp, long? cursor, bool fromStart, ILiveSink<SessionChange> sink, LiveStream stream, CancellationToken callAborted)
    {
        var ct = stream.Token;
        var o = options.Value;
        // Subscribe before reading where to start, so no change falls between the two.
        var subscription = await feeds.SubscribeAsync(emsp, FeedKind.Sessions);
        try
        {
            var after = cursor ?? (fromStart ? 0 : await store.LastSequenceAsync(emsp, ct));
            await sink.ReadyAsync();
            while (!ct.IsCancellationRequested)
            {
                var batch = await store.ChangesAsync(emsp, after, o.SubscriptionBatchSize, ct);
                foreach (var session in batch)
                {
                    if (await stream.MayReceiveFromAsync(session.Cpo))
                    {
                        await sink.WriteAsync(new SessionChange(View(session), session.Sequence.ToString(CultureInfo.InvariantCulture)), ct);
                    }

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
        catch (OperationCanceledException) when (callAborted.IsCancellationRequested)
        {
            // The subscriber went away.
        }
        finally
        {
            await feeds.UnsubscribeAsync(subscription);
        }
    }

    // Ids never contain spaces (printable ASCII without spaces), so a space separates the parts.
    private static string EncodePosition(DateTimeOffset at, SessionRecord last) =>
        string.Create(CultureInfo.InvariantCulture, $"{at.UtcTicks} {last.Cpo} {last.Id}");

    private static SessionPosition? DecodePosition(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var parts = text.Split(' ');
        return parts.Length == 3 && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ticks) && ticks is >= 0 and <= 3155378975999999999
            ? new SessionPosition(new DateTimeOffset(ticks, TimeSpan.Zero), parts[1], parts[2])
            : throw new HubException(HubErrorCode.InvalidArgument, "page.page_token is not a token this hub returned", "page.page_token");
    }

    private SessionView View(SessionRecord session) =>
        new(session, SessionRules.IsStuck(session.Status, session.ReceivedAt, clock.UtcNow, options.Value.StuckAfter));

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

    private SessionWriteView Written(SessionWrite write, PartyKey cpo)
    {
        metrics.Written(write.Verdict);
        if (write.Verdict == SessionVerdict.Stale)
        {
            LogStale(logger, cpo.ToString(), write.Session.Id);
        }

        return new SessionWriteView(View(write.Session), write.Verdict);
    }

    [LoggerMessage(EventId = 5301, Level = LogLevel.Information, Message = "CPO {Cpo} sent a stale update of session {SessionId}; ignored")]
    private static partial void LogStale(ILogger logger, string cpo, string sessionId);
}
