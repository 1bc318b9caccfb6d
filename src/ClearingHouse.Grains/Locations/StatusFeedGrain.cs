using ClearingHouse.Grains.Channels;
using ClearingHouse.Grains.Options;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Grains.Locations;

/// <inheritdoc cref="IStatusFeedGrain" />
public sealed class StatusFeedGrain(IOptions<LocationsOptions> options, HubClock clock) : SiloRegistryGrain<IStatusFeedObserver>, IStatusFeedGrain
{
    // Retention is trimmed on publish and replay, and by this timer so an idle feed lets go of
    // what it no longer has to keep (it does not keep the grain active).
    private static readonly TimeSpan TrimEvery = TimeSpan.FromSeconds(30);

    // Retained events hold the canonical instance of each location id and EVSE uid instead of
    // the one parsed from each message: a few hundred thousand retained events would otherwise
    // each carry two strings of their own. Only accepted updates are published, so the set is
    // bounded by the CPO's EVSEs; it is dropped if it ever grows past this.
    private const int MaxInternedNames = 2_000_000;

    private readonly Queue<FeedBatch> _retained = new();
    private readonly string _epoch = Guid.NewGuid().ToString("N")[..12];
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);
    private long _head;
    private long _retainedEvents;

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(() =>
        {
            Trim(clock.UtcNow);
            return Task.CompletedTask;
        }, new GrainTimerCreationOptions(TrimEvery, TrimEvery) { KeepAlive = false });
        return Task.CompletedTask;
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
        if (epoch != _epoch || afterSequence > _head)
        {
            return Task.FromResult(new FeedReplay { ResyncRequired = true, Position = Position });
        }

        if (afterSequence == _head)
        {
            return Task.FromResult(new FeedReplay { Position = Position });
        }

        var oldest = _retained.Count > 0 ? _retained.Peek().FirstSequence : _head + 1;
        if (afterSequence + 1 < oldest)
        {
            return Task.FromResult(new FeedReplay { ResyncRequired = true, Position = Position });
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
            _retainedEvents -= _retained.Dequeue().Events.Length;
        }
    }
}
