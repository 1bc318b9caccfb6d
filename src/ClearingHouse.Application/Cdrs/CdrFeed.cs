using System.Runtime.CompilerServices;
using System.Threading.Channels;
using ClearingHouse.Application.Access;
using ClearingHouse.Domain.Cdrs;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Errors;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Application.Cdrs;

/// <summary>Which CDRs a list returns: the caller's own, narrowed by these filters.</summary>
public sealed record CdrListRequest
{
    /// <summary>Only CDRs of this CPO (a CPO may only name itself).</summary>
    public PartyKey? Cpo { get; init; }

    /// <summary>Only CDRs of this EMSP (an EMSP may only name itself).</summary>
    public PartyKey? Emsp { get; init; }

    /// <summary>Only CDRs ending at or after this instant.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Only CDRs ending before this instant.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Resume after this CDR (null: the first page).</summary>
    public CdrCursor? After { get; init; }

    /// <summary>At most this many CDRs.</summary>
    public required int Size { get; init; }
}

/// <summary>One page of CDRs.</summary>
/// <param name="Cdrs">The CDRs, ordered by end_date_time, then CPO, then id.</param>
/// <param name="Next">Where the next page starts; null when this was the last.</param>
public sealed record CdrPage(IReadOnlyList<StoredCdr> Cdrs, CdrCursor? Next);

/// <summary>One delivered CDR of a subscription and the cursor just after it.</summary>
public readonly record struct CdrFeedEvent(StoredCdr Cdr, string Cursor);

/// <summary>One message of a CDR subscription: CDRs in the order they became durable (none in the first) and the cursor after them.</summary>
public sealed record CdrFeedMessage(IReadOnlyList<CdrFeedEvent> Events, string Cursor);

/// <summary>
/// The CDR feed, below every edge: one CDR, a page of CDRs, and an EMSP's live subscription replayed from the store.
/// A CPO reads its own CDRs, an EMSP those of its tokens (from CPOs the <see cref="AccessPolicy"/> lets it receive
/// from, on a subscription), the operator all.
/// </summary>
public sealed class CdrFeed(ICdrStore store, ICdrFeedStore feed, CdrSubscriptionHub hub, AccessPolicy policy, LiveAccess live, IOptions<CdrOptions> options)
{
    /// <summary>One CDR of <paramref name="cpo"/> (the caller's own when null); NotFound when absent or not the caller's to see.</summary>
    public async Task<StoredCdr> GetAsync(CallerIdentity caller, PartyKey? cpo, string cdrId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (string.IsNullOrEmpty(cdrId) || cdrId.Length > CdrValidator.MaxIdLength)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"cdr_id is required, at most {CdrValidator.MaxIdLength} characters", "cdr_id");
        }

        var owner = OwningCpo(caller, cpo);
        var cdr = await store.GetAsync(owner, cdrId, cancellationToken);
        // An EMSP asking for another EMSP's CDR learns nothing, not even that it exists.
        if (cdr is null || (caller.Party is { Role: PartyRole.Emsp } emsp && cdr.Emsp != emsp))
        {
            throw new HubException(HubErrorCode.NotFound, $"there is no CDR '{cdrId}' of {owner} for you");
        }

        return cdr;
    }

    /// <summary>One page of the CDRs the caller may see, narrowed by <paramref name="request"/>.</summary>
    public async Task<CdrPage> ListAsync(CallerIdentity caller, CdrListRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        var (cpo, emsp) = Scope(caller, RequireRole(request.Cpo, PartyRole.Cpo, "cpo"), RequireRole(request.Emsp, PartyRole.Emsp, "emsp"));
        if (request.From is { } f && request.To is { } t && t <= f)
        {
            throw new HubException(HubErrorCode.InvalidArgument, "to must be after from", "to");
        }

        var size = request.Size;
        var page = await store.ListAsync(
            new CdrQuery { Cpo = cpo, Emsp = emsp, From = request.From, To = request.To, After = request.After, Limit = size + 1 },
            cancellationToken);
        return page.Count > size
            ? new CdrPage([.. page.Take(size)], page[size - 1].Cursor)
            : new CdrPage(page, null);
    }

    /// <summary>How many CDRs the caller may see match the filters of <paramref name="request"/> (its position and size are ignored).</summary>
    public Task<long> CountAsync(CallerIdentity caller, CdrListRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        var (cpo, emsp) = Scope(caller, RequireRole(request.Cpo, PartyRole.Cpo, "cpo"), RequireRole(request.Emsp, PartyRole.Emsp, "emsp"));
        return store.CountAsync(new CdrQuery { Cpo = cpo, Emsp = emsp, From = request.From, To = request.To, Limit = 0 }, cancellationToken);
    }

    /// <summary>
    /// The calling EMSP's CDRs as they become durable: first a message with only the starting cursor, then CDRs
    /// read from the store (after <paramref name="resumeCursor"/>; else from the start when
    /// <paramref name="fromBeginning"/>; else from now). A subscriber that stays behind longer than
    /// <see cref="CdrOptions.SubscriberStallTimeout"/> is cut with ResourceExhausted and resumes with its cursor.
    /// </summary>
    /// <remarks>A suspended EMSP or a revoked credential ends the feed with PermissionDenied (<see cref="LiveAccess"/>).</remarks>
    public IAsyncEnumerable<CdrFeedMessage> SubscribeAsync(CallerIdentity caller, string resumeCursor, bool fromBeginning, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var emsp = caller.RequireParty(PartyRole.Emsp);
        return live.GuardAsync(caller, token => SubscribeCoreAsync(emsp, resumeCursor, fromBeginning, token), cancellationToken);
    }

    private async IAsyncEnumerable<CdrFeedMessage> SubscribeCoreAsync(PartyKey emsp, string resumeCursor, bool fromBeginning, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var position = resumeCursor.Length > 0 ? CdrFeedCursor.Decode(resumeCursor, emsp)
            : fromBeginning ? CdrFeedPosition.Start
            : await feed.GetFeedHeadAsync(cancellationToken);
        var subscription = new CdrSubscription(emsp);
        try
        {
            // Registered before the first read: a CDR committed after that read rings the doorbell.
            await hub.AddAsync(subscription);
            var delivered = CdrFeedCursor.Encode(emsp, position);
            yield return new CdrFeedMessage([], delivered);
            var queue = Channel.CreateBounded<CdrFeedMessage>(new BoundedChannelOptions(Math.Max(1, options.Value.SubscriberQueueCdrs / options.Value.SubscriberBatchSize))
            {
                SingleReader = true,
                SingleWriter = true,
            });
            subscription.Queue = queue.Reader;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var reading = ReadAheadAsync(subscription, position, queue.Writer, stop.Token);
            try
            {
                while (await NextAsync(queue.Reader, delivered, cancellationToken) is { } message)
                {
                    yield return message;
                    delivered = message.Cursor;
                    hub.Delivered(message.Events.Count);
                }
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

    // The next queued message, null at the end; ResourceExhausted when the read-ahead gave up on a stalled subscriber.
    private async Task<CdrFeedMessage?> NextAsync(ChannelReader<CdrFeedMessage> queue, string delivered, CancellationToken cancellationToken)
    {
        try
        {
            return await queue.WaitToReadAsync(cancellationToken) && queue.TryRead(out var message) ? message : null;
        }
        catch (SubscriberTooSlowException)
        {
            hub.Overflowed(queue.CanCount ? queue.Count : 1);
            var o = options.Value;
            throw new HubException(HubErrorCode.ResourceExhausted,
                $"subscriber too slow: {o.SubscriberQueueCdrs} CDRs queued for more than {o.SubscriberStallTimeout.TotalSeconds:0.###} s; reconnect with resume_cursor {delivered}");
        }
    }

    // Reads the EMSP's feed from the store into the subscriber's bounded queue, ahead of the stream writer. When the
    // queue stays full longer than the stall timeout, completes it with SubscriberTooSlowException.
    private async Task ReadAheadAsync(CdrSubscription subscription, CdrFeedPosition position, ChannelWriter<CdrFeedMessage> queue, CancellationToken cancellation)
    {
        try
        {
            while (!cancellation.IsCancellationRequested)
            {
                var page = await feed.ReadFeedAsync(subscription.Emsp, position, options.Value.SubscriberBatchSize, cancellation);
                if (page.Count == 0)
                {
                    await subscription.WaitAsync(options.Value.SubscriberPollInterval, cancellation);
                    continue;
                }

                position = page[^1].Position;
                if (await ToMessageAsync(subscription.Emsp, page) is { } message && !await EnqueueAsync(queue, message, cancellation))
                {
                    return;
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

    // The page's CDRs from CPOs the EMSP may receive from now; the cursor moves past the others. Null when none is left.
    private async Task<CdrFeedMessage?> ToMessageAsync(PartyKey emsp, IReadOnlyList<CdrFeedEntry> page)
    {
        var view = await policy.ViewAsync();
        var events = new List<CdrFeedEvent>(page.Count);
        foreach (var entry in page)
        {
            if (policy.MayExchange(view, entry.Cdr.Cpo, emsp))
            {
                events.Add(new CdrFeedEvent(entry.Cdr, CdrFeedCursor.Encode(emsp, entry.Position)));
            }
        }

        return events.Count == 0 ? null : new CdrFeedMessage(events, events[^1].Cursor);
    }

    // False (and the queue completed with SubscriberTooSlowException) when the queue stayed full past the stall timeout.
    private async Task<bool> EnqueueAsync(ChannelWriter<CdrFeedMessage> queue, CdrFeedMessage message, CancellationToken cancellation)
    {
        if (queue.TryWrite(message))
        {
            return true;
        }

        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        stall.CancelAfter(options.Value.SubscriberStallTimeout);
        try
        {
            while (!queue.TryWrite(message))
            {
                await queue.WaitToWriteAsync(stall.Token);
            }

            return true;
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            queue.TryComplete(new SubscriberTooSlowException());
            return false;
        }
    }

    // The CPO whose CDR is read: the one named (a CPO may only name itself), else the calling CPO.
    private static PartyKey OwningCpo(CallerIdentity caller, PartyKey? requested)
    {
        if (requested is not { } cpo)
        {
            return caller.Party is { Role: PartyRole.Cpo } self ? self : throw new HubException(HubErrorCode.InvalidArgument, "cpo is required", "cpo");
        }

        RequireRole(cpo, PartyRole.Cpo, "cpo");
        if (caller.Party is { Role: PartyRole.Cpo } me && me != cpo)
        {
            throw new HubException(HubErrorCode.PermissionDenied, $"a CPO may only read its own CDRs, not those of {cpo}");
        }

        return cpo;
    }

    // A party lists only its own CDRs: naming another party is refused; its own key replaces the filter of its role.
    private static (PartyKey? Cpo, PartyKey? Emsp) Scope(CallerIdentity caller, PartyKey? cpo, PartyKey? emsp)
    {
        if (caller.Party is not { } party)
        {
            return (cpo, emsp);
        }

        var own = party.Role == PartyRole.Cpo ? cpo : emsp;
        if (own is { } named && named != party)
        {
            throw new HubException(HubErrorCode.PermissionDenied, $"{party} may only list its own CDRs, not those of {named}");
        }

        return party.Role == PartyRole.Cpo ? (party, emsp) : (cpo, party);
    }

    private static PartyKey? RequireRole(PartyKey? party, PartyRole role, string field) =>
        party is { } p && p.Role != role
            ? throw new HubException(HubErrorCode.InvalidArgument, $"{field}.role must be PARTY_ROLE_{role.ToString().ToUpperInvariant()}", $"{field}.role")
            : party;

    private sealed class SubscriberTooSlowException : Exception;
}
