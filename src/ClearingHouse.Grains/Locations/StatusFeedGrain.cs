using ClearingHouse.Grains.Channels;
using ClearingHouse.Grains.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace ClearingHouse.Grains.Locations;

/// <inheritdoc cref="IStatusFeedGrain" />
/// <remarks>
/// Positions and retention live in the durable store (the grain storage every other durable grain uses), not only
/// in this activation: what the feed publishes is written behind, once per <see cref="LocationsOptions.StatusFlushInterval"/>,
/// as one segment per flush in a ring of slots (as many as retention needs), and <see cref="StatusFeedState"/> says
/// which segments are current. A new activation (the silo died, or stopped, or the grain was collected) reloads the
/// retained events and keeps the epoch, so a subscriber resumes with its cursor on any silo. After a crash the
/// events of the last flush interval may be lost, like the statuses the location grains had not yet written (the
/// CPO resends them); the new activation then numbers on above every sequence the old one could have handed out,
/// so no cursor points at an event that was replaced.
/// </remarks>
public sealed partial class StatusFeedGrain(
    [PersistentState("feed", StorageProviders.Durable)] IPersistentState<StatusFeedState> state,
    IOptions<LocationsOptions> options,
    HubClock clock) : SiloRegistryGrain<IStatusFeedObserver>, IStatusFeedGrain
{
    // Retention is trimmed on publish and replay, and by this timer so an idle feed lets go of
    // what it no longer has to keep (it does not keep the grain active).
    private static readonly TimeSpan TrimEvery = TimeSpan.FromSeconds(30);

    // Retained events hold the canonical instance of each location id and EVSE uid instead of
    // the one parsed from each message: a few hundred thousand retained events would otherwise
    // each carry two strings of their own. Only accepted updates are published, so the set is
    // bounded by the CPO's EVSEs; it is dropped if it ever grows past this.
    private const int MaxInternedNames = 2_000_000;

    // How far above the written head an activation may number before the state says so: after a crash the next
    // activation starts above it. Far more than one flush interval of any feed.
    private const long Reserve = 1_000_000_000;

    private const string SegmentState = "segment";

    private readonly Queue<FeedBatch> _retained = new();
    private readonly List<FeedBatch> _unwritten = [];
    private readonly Dictionary<int, string?> _slotETags = [];
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);
    private string _epoch = "";
    private long _head;
    private long _retainedFrom;
    private long _retainedEvents;
    private bool _stateDirty;
    private IGrainStorage? _storage;

    private IGrainStorage Storage => _storage ??= ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageProviders.Durable);

    // Enough slots for a retention's worth of flushes, and two to spare.
    private int SlotCount => (int)Math.Clamp(Math.Ceiling(options.Value.FeedRetention / options.Value.StatusFlushInterval) + 2, 4, 100_000);

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var s = state.State;
        var now = clock.UtcNow;
        if (!state.RecordExists || s.Epoch.Length == 0)
        {
            s.Epoch = Guid.NewGuid().ToString("N")[..12];
            (s.Head, s.ReservedUpTo, s.Clean, s.RetainedFrom, s.NextSegment) = (0, 0, true, 0, 0);
            s.Segments.Clear();
        }

        _epoch = s.Epoch;
        _retainedFrom = s.RetainedFrom;
        await LoadSegmentsAsync(now);

        // A clean stop wrote everything: go on from there. Otherwise number above whatever the last one may have used.
        _head = s.Clean ? s.Head : Math.Max(s.Head, s.ReservedUpTo);
        if (!s.Clean)
        {
            LogResumedAfterCrash(Logger, this.GetPrimaryKeyString(), s.Head, _head);
        }

        (s.Head, s.ReservedUpTo, s.Clean, s.RetainedFrom) = (_head, _head + Reserve, false, _retainedFrom);
        await state.WriteStateAsync(cancellationToken);

        Trim(now);
        this.RegisterGrainTimer(() =>
        {
            Trim(clock.UtcNow);
            return Task.CompletedTask;
        }, new GrainTimerCreationOptions(TrimEvery, TrimEvery) { KeepAlive = false });
        var flushEvery = options.Value.StatusFlushInterval;
        this.RegisterGrainTimer(FlushAsync, new GrainTimerCreationOptions(flushEvery, flushEvery) { KeepAlive = false });
    }

    /// <inheritdoc />
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        try
        {
            await FlushAsync();
            if (_unwritten.Count == 0)
            {
                (state.State.Head, state.State.Clean) = (_head, true);
                await state.WriteStateAsync(cancellationToken);
            }
        }
        catch (Exception ex)
        {
            // The next activation numbers on above the reservation: cursors stay valid, the unwritten events are lost.
            LogFlushFailed(Logger, ex, this.GetPrimaryKeyString(), _unwritten.Sum(b => b.Events.Length));
        }

        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    /// <inheritdoc />
    public Task<long> Publish(FeedEvent[] events)
    {
        if (events.Length == 0)
        {
            return Task.FromResult(_head + 1);
        }

        if (_names.Count > MaxInternedNames)
        {
            _names.Clear();
        }

        for (var i = 0; i < events.Length; i++)
        {
            // The array is this call's own (serialized, or built by the caller for this call only).
            events[i].LocationId = Intern(events[i].LocationId);
            events[i].EvseUid = Intern(events[i].EvseUid);
        }

        var now = clock.UtcNow;
        var batch = new FeedBatch
        {
            Cpo = this.GetPrimaryKeyString(),
            Epoch = _epoch,
            FirstSequence = _head + 1,
            Events = events,
            PublishedTicks = now.UtcTicks,
        };
        _head += events.Length;
        _retained.Enqueue(batch);
        _unwritten.Add(batch);
        _retainedEvents += events.Length;
        Trim(now);

        // One-way: a slow or gone silo never holds up the publisher. Gaps are detected by sequence.
        Notify(observer => observer.OnBatch(batch).Ignore());
        return Task.FromResult(batch.FirstSequence);
    }

    /// <inheritdoc />
    public async Task<FeedPosition> Subscribe(SiloAddress silo, IStatusFeedObserver observer)
    {
        await Register(silo, observer);
        return Position;
    }

    /// <summary>Silos renew every 30 s; three missed renewals forget a silo that membership still counts alive.</summary>
    protected override TimeSpan Expiry => TimeSpan.FromSeconds(90);

    /// <inheritdoc />
    public Task<FeedReplay> Replay(string epoch, long afterSequence)
    {
        Trim(clock.UtcNow);
        // A cursor of another epoch, from beyond the head, or before what is retained: the events after it are gone.
        if (epoch != _epoch || afterSequence > _head || afterSequence < _retainedFrom)
        {
            return Task.FromResult(new FeedReplay { ResyncRequired = true, Position = Position });
        }

        if (afterSequence == _head)
        {
            return Task.FromResult(new FeedReplay { Position = Position });
        }

        var batches = new List<FeedBatch>();
        foreach (var batch in _retained)
        {
            if (batch.LastSequence <= afterSequence)
            {
                continue;
            }

            batches.Add(batch.FirstSequence > afterSequence
                ? batch
                : batch with { FirstSequence = afterSequence + 1, Events = batch.Events[(int)(afterSequence + 1 - batch.FirstSequence)..] });
        }

        return Task.FromResult(new FeedReplay { Batches = [.. batches], Position = Position });
    }

    private string Intern(string name)
    {
        if (_names.TryGetValue(name, out var canonical))
        {
            return canonical;
        }

        _names[name] = name;
        return name;
    }

    private FeedPosition Position => new() { Epoch = _epoch, Head = _head };

    private void Trim(DateTimeOffset now)
    {
        var o = options.Value;
        var oldestKept = (now - o.FeedRetention).UtcTicks;
        while (_retained.Count > 0
            && (_retainedEvents - _retained.Peek().Events.Length >= o.FeedRetentionMaxEvents || _retained.Peek().PublishedTicks < oldestKept))
        {
            var dropped = _retained.Dequeue();
            _retainedEvents -= dropped.Events.Length;
            _retainedFrom = dropped.LastSequence;
        }
    }

    private GrainId SlotId(int slot) => GrainId.Create("statusfeedsegment", $"{this.GetPrimaryKeyString()}/{slot}");

    // Reads the segments the state lists, oldest first; a segment that is missing or was overwritten (the ring was
    // resized) ends what can be replayed before it.
    private async Task LoadSegmentsAsync(DateTimeOffset now)
    {
        var s = state.State;
        var oldestKept = (now - options.Value.FeedRetention).UtcTicks;
        var kept = new List<StatusFeedSegmentRef>();
        foreach (var segment in s.Segments)
        {
            if (segment.LastSequence <= _retainedFrom)
            {
                continue;
            }

            var slot = (int)(segment.Number % SlotCount);
            var stored = new GrainState<StatusFeedSegment>();
            if (segment.PublishedTicks >= oldestKept)
            {
                await Storage.ReadStateAsync(SegmentState, SlotId(slot), stored);
                _slotETags[slot] = stored.ETag;
            }

            if (!stored.RecordExists || stored.State?.Number != segment.Number)
            {
                _retained.Clear();
                _retainedEvents = 0;
                kept.Clear();
                _retainedFrom = segment.LastSequence;
                continue;
            }

            foreach (var batch in stored.State!.Expand(this.GetPrimaryKeyString()))
            {
                _retained.Enqueue(batch);
                _retainedEvents += batch.Events.Length;
            }

            kept.Add(segment);
        }

        s.Segments = kept;
    }

    // Writes what was published since the last flush as one segment, then the state that lists it. A failure leaves
    // both to the next tick (the store is down: the feed goes on in memory meanwhile).
    private async Task FlushAsync()
    {
        var s = state.State;
        try
        {
            // Batches the in-memory retention already dropped (by count: FeedRetentionMaxEvents) are never replayed,
            // so they are not written either: under a storm a second's events are several times the retention, and
            // writing them all made every flush serialize and store hundreds of thousands of events.
            _unwritten.RemoveAll(b => b.LastSequence <= _retainedFrom);
            if (_unwritten.Count > 0)
            {
                var number = s.NextSegment;
                var slot = (int)(number % SlotCount);
                var segment = new GrainState<StatusFeedSegment>(StatusFeedSegment.Compact(number, _unwritten))
                {
                    ETag = await SlotETagAsync(slot),
                };
                try
                {
                    await Storage.WriteStateAsync(SegmentState, SlotId(slot), segment);
                }
                catch (InconsistentStateException)
                {
                    _slotETags.Remove(slot); // read again next time
                    throw;
                }

                _slotETags[slot] = segment.ETag;
                // The segment that had this slot is overwritten: what it held is no longer retained in the store.
                foreach (var old in s.Segments.Where(r => r.Number % SlotCount == slot))
                {
                    s.RetainedFrom = Math.Max(s.RetainedFrom, old.LastSequence);
                }

                s.Segments.RemoveAll(r => r.Number % SlotCount == slot);
                s.Segments.Add(new StatusFeedSegmentRef
                {
                    Number = number,
                    FirstSequence = _unwritten[0].FirstSequence,
                    LastSequence = _unwritten[^1].LastSequence,
                    PublishedTicks = _unwritten[^1].PublishedTicks,
                });
                s.NextSegment = number + 1;
                s.Head = _unwritten[^1].LastSequence;
                _unwritten.Clear();
                _stateDirty = true;
            }

            if (_retainedFrom > s.RetainedFrom)
            {
                s.RetainedFrom = _retainedFrom;
                _stateDirty = true;
            }

            s.Segments.RemoveAll(r => r.LastSequence <= s.RetainedFrom);
            if (_head + (Reserve / 2) > s.ReservedUpTo)
            {
                s.ReservedUpTo = _head + Reserve;
                _stateDirty = true;
            }

            if (_stateDirty)
            {
                await state.WriteStateAsync();
                _stateDirty = false;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFlushFailed(Logger, ex, this.GetPrimaryKeyString(), _unwritten.Sum(b => b.Events.Length));
        }
    }

    private async Task<string?> SlotETagAsync(int slot)
    {
        if (_slotETags.TryGetValue(slot, out var etag))
        {
            return etag;
        }

        var stored = new GrainState<StatusFeedSegment>();
        await Storage.ReadStateAsync(SegmentState, SlotId(slot), stored);
        return _slotETags[slot] = stored.ETag;
    }

    [LoggerMessage(EventId = 3205, Level = LogLevel.Warning, Message = "Feed {Cpo}: writing {Count} events to the durable store failed; retrying at the next flush")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception, string cpo, int count);

    [LoggerMessage(EventId = 3206, Level = LogLevel.Warning, Message = "Feed {Cpo} re-activated after an unclean stop: events after {Written} may be lost; numbering goes on after {Head}")]
    private static partial void LogResumedAfterCrash(ILogger logger, string cpo, long written, long head);
}
