using System.Runtime.CompilerServices;
using ClearingHouse.Application.Access;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Locations;

namespace ClearingHouse.Application.Locations;

/// <summary>One open subscription: its cursor, then its messages until the caller goes away.</summary>
public sealed class StatusSubscription : IDisposable
{
    private const int MaxEventsPerResponse = 2000;
    private readonly IGrainFactory _grains;
    private readonly AccessPolicy _access;
    private readonly StatusSubscriptionHub _hub;
    private readonly LocationMetrics _metrics;
    private readonly int _queueEvents;
    private readonly StatusSubscriber _subscriber;
    private readonly LiveAccess _live;
    private readonly CallerIdentity _caller;
    private readonly Dictionary<string, (string Epoch, long Sequence)> _positions = new(StringComparer.Ordinal);
    private readonly List<string> _resync = [];
    private readonly List<FeedBatch> _replays = [];
    private int _disposed;

    internal StatusSubscription(IGrainFactory grains, AccessPolicy access, StatusSubscriptionHub hub, LocationMetrics metrics, int queueEvents, StatusSubscriber subscriber, LiveAccess live, CallerIdentity caller)
    {
        _live = live;
        _caller = caller;
        _grains = grains;
        _access = access;
        _hub = hub;
        _metrics = metrics;
        _queueEvents = queueEvents;
        _subscriber = subscriber;
    }

    /// <summary>The cursor at opening: the subscriber's first message.</summary>
    public string Cursor { get; private set; } = "";

    /// <summary>
    /// The subscription's messages: a resync signal when the resume cursor was beyond retention, the replayed
    /// changes, then live ones, until <paramref name="cancellationToken"/> fires (the sequence ends) or the
    /// subscriber fell too far behind (ResourceExhausted naming the cursor to resume from).
    /// </summary>
    /// <remarks>A suspended EMSP or a revoked credential ends the sequence with PermissionDenied (<see cref="LiveAccess"/>).</remarks>
    public IAsyncEnumerable<StatusSubscriptionMessage> ReadAsync(CancellationToken cancellationToken) =>
        _live.GuardAsync(_caller, ReadCoreAsync, cancellationToken);

    private async IAsyncEnumerable<StatusSubscriptionMessage> ReadCoreAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (_resync.Count > 0)
        {
            _metrics.Resync(_resync.Count);
            yield return new StatusResync([.. _resync], StatusCursor.Encode(_positions));
        }

        var view = await _access.ViewAsync();
        foreach (var batch in _replays)
        {
            var agreed = _subscriber.Emsp is not { } e || (PartyKey.TryParse(batch.Cpo, out var c) && _access.MayExchange(view, c.Value, e));
            var events = agreed ? batch.Events.Select((ev, i) => (batch.FirstSequence + i, ev)).Where(x => _subscriber.LocationIds?.Contains(x.ev.LocationId) != false).ToList() : [];
            foreach (var message in Deliver([new StatusDelivery(batch.Cpo, batch.Epoch, batch.LastSequence, events, false)]))
            {
                yield return message;
                Delivered(message);
            }
        }

        var pending = new List<StatusDelivery>();
        while (true)
        {
            try
            {
                if (!await _subscriber.Reader.WaitToReadAsync(cancellationToken))
                {
                    break;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                yield break;
            }

            var count = 0;
            while (count < MaxEventsPerResponse && _subscriber.Reader.TryRead(out var delivery))
            {
                _subscriber.Taken(delivery);
                pending.Add(delivery);
                count += delivery.Events.Count;
            }

            foreach (var message in Deliver(pending))
            {
                yield return message;
                Delivered(message);
            }

            pending.Clear();
            // Never spin on a fast queue without yielding the thread (DESIGN.md).
            await Task.Yield();
        }

        if (_subscriber.Overflowed)
        {
            _metrics.Overflow();
            throw new HubException(HubErrorCode.ResourceExhausted,
                $"subscriber too slow: more than {_queueEvents} events queued; reconnect with resume_cursor {StatusCursor.Encode(_positions)}");
        }
    }

    /// <summary>Ends the subscription (the call ended).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _hub.Remove(_subscriber);
            _metrics.SubscriberClosed();
        }
    }

    // Registers with the silo's hub and decides, per CPO, where the subscriber starts: at the resume cursor
    // (replaying what is retained after it), at a resync when it is beyond retention, or at the feed's head.
    internal async Task StartAsync(Dictionary<string, (string Epoch, long Sequence)> resume)
    {
        var registered = await _hub.AddAsync(_subscriber);
        foreach (var (cpo, live) in registered)
        {
            if (resume.TryGetValue(cpo, out var from))
            {
                var replay = await _grains.GetGrain<IStatusFeedGrain>(cpo).Replay(from.Epoch, from.Sequence);
                if (replay.ResyncRequired)
                {
                    _resync.Add(cpo);
                    _positions[cpo] = (replay.Position.Epoch, replay.Position.Head);
                }
                else
                {
                    _positions[cpo] = from;
                    _replays.AddRange(replay.Batches);
                }
            }
            else
            {
                _positions[cpo] = (live.Epoch, live.Head);
            }
        }

        Cursor = StatusCursor.Encode(_positions);
    }

    private void Delivered(StatusSubscriptionMessage message)
    {
        switch (message)
        {
            case StatusChanges changes:
                _metrics.Delivered(changes.Changes.Count);
                if (changes.Changes.Count > 0)
                {
                    var oldest = long.MaxValue;
                    for (var i = 0; i < changes.Changes.Count; i++)
                    {
                        oldest = Math.Min(oldest, changes.Changes[i].Event.ReceivedTicks);
                    }

                    _metrics.DeliveryDelay(oldest);
                }

                break;
            case StatusResync resync:
                _metrics.Resync(resync.Cpos.Count);
                break;
        }
    }

    // Turns queued deliveries into at most a resync signal and one batch of changes, moving the positions past
    // everything delivered (filtered-out events and those replayed before included).
    private IEnumerable<StatusSubscriptionMessage> Deliver(List<StatusDelivery> deliveries)
    {
        var capacity = 0;
        foreach (var d in deliveries)
        {
            capacity += d.Events.Count;
        }

        var changes = new List<StatusChange>(capacity);
        List<string>? resync = null;
        foreach (var d in deliveries)
        {
            _positions.TryGetValue(d.Cpo, out var at);
            if (d.Joined)
            {
                _positions[d.Cpo] = (d.Epoch, d.LastSequence);
                continue;
            }

            if (d.Resync)
            {
                (resync ??= []).Add(d.Cpo);
                _positions[d.Cpo] = (d.Epoch, d.LastSequence);
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

            foreach (var (seq, ev) in d.Events)
            {
                if (seq > at.Sequence)
                {
                    changes.Add(new StatusChange(d.Cpo, seq, ev));
                }
            }

            _positions[d.Cpo] = (d.Epoch, d.LastSequence);
        }

        if (resync is not null)
        {
            yield return new StatusResync(resync, StatusCursor.Encode(_positions));
        }

        if (changes.Count > 0)
        {
            yield return new StatusChanges(changes, StatusCursor.Encode(_positions));
        }
    }
}
