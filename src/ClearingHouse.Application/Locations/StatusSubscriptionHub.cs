using System.Collections.Immutable;
using ClearingHouse.Application.Channels;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Grains.Options;
using ClearingHouse.Grains.Parties;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Application.Locations;

/// <summary>
/// This silo's one subscriber to CPO feeds. Its subscribers are registered per CPO (the fan-out of
/// <see cref="SiloFanout"/>) with each CPO's feed grain, so the silo receives each feed batch once; it
/// restores order and fills gaps by sequence (replaying from the feed), and fans the batch out to its local
/// subscribers after checking their agreement and filters. Subscriptions that named no CPO are re-checked
/// against the directory every <see cref="LocationsOptions.SubscriptionRecheckInterval"/> and take on CPOs
/// that became visible since (a new agreement).
/// </summary>
public sealed partial class StatusSubscriptionHub(
    SiloFanout fanout,
    PartyDirectory directory,
    HubClock clock,
    LocationMetrics metrics,
    IOptions<LocationsOptions> options,
    ILogger<StatusSubscriptionHub> logger)
    : SiloRegistrations<string, StatusSubscriber, IStatusFeedObserver, IStatusFeedGrain>(fanout), IStatusFeedObserver, IHostedService, IDisposable
{
    private readonly Lock _lock = new();

    // Delivery state per CPO; kept for the hub's life (bounded by the CPOs), marked stale when the last
    // local subscriber of a CPO leaves, so the next one starts from the feed's position then.
    private readonly Dictionary<string, CpoFeed> _feeds = new(StringComparer.Ordinal);
    private readonly HashSet<StatusSubscriber> _following = [];
    private readonly CancellationTokenSource _stopping = new();
    private Task? _rechecks;

    /// <summary>Silos renew every 30 s; the feed grain forgets a silo after 90 s without.</summary>
    public override TimeSpan RenewalPeriod => TimeSpan.FromSeconds(30);

    /// <summary>How many status subscriptions each EMSP has open on this silo (operator health view).</summary>
    public IReadOnlyDictionary<PartyKey, int> SubscriptionCounts() =>
        Held.SelectMany(h => h.Value.Items).Distinct().Where(s => s.Emsp is not null)
            .GroupBy(s => s.Emsp!.Value).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>
    /// Registers a subscriber and makes sure this silo receives its CPOs' feeds; returns each CPO
    /// feed's position at registration (everything after it reaches the subscriber's queue).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, FeedPosition>> AddAsync(StatusSubscriber subscriber)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        lock (_lock)
        {
            if (subscriber.FollowedCountries is not null)
            {
                _following.Add(subscriber);
            }
        }

        var positions = new Dictionary<string, FeedPosition>(StringComparer.Ordinal);
        foreach (var cpo in subscriber.Cpos)
        {
            await AddAsync(cpo, subscriber);
            var feed = FeedState(cpo);
            var position = await RegistryOf(cpo).Subscribe(Silo, Reference);
            await feed.Gate.WaitAsync();
            try
            {
                feed.StartAt(position);
            }
            finally
            {
                feed.Gate.Release();
            }

            positions[cpo] = position;
        }

        return positions;
    }

    /// <summary>Removes a subscriber; the last one of a CPO unregisters this silo from its feed.</summary>
    public void Remove(StatusSubscriber subscriber)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        lock (_lock)
        {
            _following.Remove(subscriber);
        }

        foreach (var cpo in subscriber.Cpos)
        {
            _ = RemoveAsync(cpo, subscriber);
        }

        subscriber.Complete();
    }

    /// <summary>Events queued for this silo's subscribers and not yet written (the saturation gauge reads it).</summary>
    public long QueuedEvents => Held.SelectMany(static e => e.Value.Items).Distinct().Sum(static s => (long)s.Queued); // one subscriber is held once per CPO it follows

    /// <inheritdoc />
    public async Task OnBatch(FeedBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        CpoFeed? feed;
        lock (_lock)
        {
            _feeds.TryGetValue(batch.Cpo, out feed);
        }

        if (feed is null || Subscribers(batch.Cpo).IsEmpty)
        {
            return; // nobody here wants it (any more): the stale mark stays for the next subscriber
        }

        await feed.Gate.WaitAsync();
        try
        {
            feed.ClearIfStale();
            if (feed.Epoch is null || feed.Epoch != batch.Epoch)
            {
                // First batch before Subscribe answered, or the feed restarted (new epoch).
                var restarted = feed.Epoch is not null;
                (feed.Epoch, feed.LastSequence) = (batch.Epoch, batch.FirstSequence - 1);
                if (restarted)
                {
                    await FanOutAsync(feed, new StatusDelivery(feed.Cpo, batch.Epoch, batch.FirstSequence - 1, [], Resync: true));
                }
            }

            if (batch.LastSequence <= feed.LastSequence)
            {
                return; // already delivered (replayed after a gap)
            }

            if (batch.FirstSequence > feed.LastSequence + 1)
            {
                // A gap: fetch what is missing, in order, from the feed's retention.
                var replay = await RegistryOf(feed.Cpo).Replay(feed.Epoch, feed.LastSequence);
                if (replay.ResyncRequired)
                {
                    LogGapLost(logger, feed.Cpo, feed.LastSequence, batch.FirstSequence);
                    feed.LastSequence = batch.FirstSequence - 1;
                    await FanOutAsync(feed, new StatusDelivery(feed.Cpo, batch.Epoch, feed.LastSequence, [], Resync: true));
                    await DeliverAsync(feed, batch);
                    return;
                }

                foreach (var missing in replay.Batches)
                {
                    await DeliverAsync(feed, missing);
                }

                return;
            }

            await DeliverAsync(feed, batch);
        }
        catch (Exception ex)
        {
            LogBatchFailed(logger, ex, batch.Cpo);
        }
        finally
        {
            feed.Gate.Release();
        }
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _rechecks = RecheckLoopAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_rechecks is not null)
        {
            try
            {
                await _rechecks.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // The host's stop deadline passed: the loop ends on its own.
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _stopping.Dispose();

    /// <summary>
    /// Takes on, for every subscription that follows the directory, the CPOs it may see now and
    /// does not have yet (a new agreement; for the operator, a new CPO). Ended agreements need
    /// nothing here: each batch is checked against the directory when it is fanned out.
    /// </summary>
    internal async Task RecheckAsync()
    {
        StatusSubscriber[] following;
        lock (_lock)
        {
            if (_following.Count == 0)
            {
                return;
            }

            following = [.. _following];
        }

        var view = await directory.GetAsync();
        var now = clock.UtcNow;
        foreach (var subscriber in following)
        {
            var countries = subscriber.FollowedCountries!;
            IEnumerable<PartyKey> visible = subscriber.Emsp is { } emsp
                ? view.Snapshot.Agreements.Where(a => a.Emsp == emsp && view.IsAgreementActive(a.Cpo, emsp, now)).Select(a => a.Cpo)
                : view.Snapshot.Parties.Where(p => p.Key.Role == PartyRole.Cpo).Select(p => p.Key);
            foreach (var cpo in visible)
            {
                var text = cpo.ToString();
                if (!subscriber.Cpos.Contains(text) && (countries.Count == 0 || countries.Contains(cpo.CountryCode)))
                {
                    await JoinAsync(subscriber, text);
                }
            }
        }
    }

    private async Task RecheckLoopAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(options.Value.SubscriptionRecheckInterval, clock.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                try
                {
                    await RecheckAsync();
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogRecheckFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    /// <inheritdoc />
    protected override void OnLastRemoved(string key)
    {
        lock (_lock)
        {
            if (_feeds.TryGetValue(key, out var feed))
            {
                feed.Stale = true;
            }
        }
    }

    /// <inheritdoc />
    protected override void OnRegistryFailed(string key, string exceptionType) => LogRenewFailed(logger, key, exceptionType);

    // Adds one CPO to an open subscription: its position for that CPO starts where this silo's
    // copy of the feed is, and the batches after it follow (both under the feed's gate, so no
    // batch can slip between the two).
    private async Task JoinAsync(StatusSubscriber subscriber, string cpo)
    {
        lock (_lock)
        {
            if (!_following.Contains(subscriber))
            {
                return;
            }
        }

        var feed = FeedState(cpo);
        var position = await RegistryOf(cpo).Subscribe(Silo, Reference);
        await feed.Gate.WaitAsync();
        try
        {
            feed.StartAt(position);
            lock (_lock)
            {
                if (!_following.Contains(subscriber))
                {
                    return;
                }

                subscriber.Offer(new StatusDelivery(cpo, feed.Epoch!, feed.LastSequence, [], Resync: false, Joined: true));
            }

            if (await AddAsync(cpo, subscriber))
            {
                feed.Stale = false; // this silo registered again after the position above: gaps replay from the feed
            }

            bool removed;
            lock (_lock)
            {
                subscriber.AddCpo(cpo);
                removed = !_following.Contains(subscriber);
            }

            if (removed)
            {
                _ = RemoveAsync(cpo, subscriber); // the call ended while the CPO was being added
            }
        }
        finally
        {
            feed.Gate.Release();
        }
    }

    private CpoFeed FeedState(string cpo)
    {
        lock (_lock)
        {
            if (!_feeds.TryGetValue(cpo, out var feed))
            {
                feed = new CpoFeed(cpo);
                _feeds[cpo] = feed;
            }

            return feed;
        }
    }

    private ImmutableArray<StatusSubscriber> Subscribers(string cpo) => TryGetItems(cpo, out var group) ? group.Items : [];

    private async Task DeliverAsync(CpoFeed feed, FeedBatch batch)
    {
        // Trim the part already delivered (a replay can overlap the live batch).
        var skip = (int)Math.Max(0, feed.LastSequence + 1 - batch.FirstSequence);
        feed.LastSequence = batch.LastSequence;
        var subscribers = Subscribers(feed.Cpo);
        if (subscribers.IsEmpty)
        {
            return;
        }

        var view = await directory.GetAsync();
        var now = clock.UtcNow;
        var cpo = PartyKey.TryParse(feed.Cpo, out var parsed) ? parsed : null;
        List<(long, FeedEvent)>? all = null;
        foreach (var subscriber in subscribers)
        {
            if (subscriber.Emsp is { } emsp && (cpo is null || !view.IsAgreementActive(cpo.Value, emsp, now)))
            {
                // No active agreement: nothing flows; the cursor still moves past these events.
                subscriber.Offer(new StatusDelivery(feed.Cpo, batch.Epoch, batch.LastSequence, [], Resync: false));
                continue;
            }

            IReadOnlyList<(long, FeedEvent)> events;
            if (subscriber.LocationIds is null)
            {
                events = all ??= Select(batch, skip, null);
            }
            else
            {
                events = Select(batch, skip, subscriber.LocationIds);
            }

            if (!subscriber.Offer(new StatusDelivery(feed.Cpo, batch.Epoch, batch.LastSequence, events, Resync: false)) && subscriber.Overflowed)
            {
                metrics.Dropped(events.Count);
            }
        }
    }

    private async Task FanOutAsync(CpoFeed feed, StatusDelivery delivery)
    {
        foreach (var subscriber in Subscribers(feed.Cpo))
        {
            subscriber.Offer(delivery);
        }

        await Task.CompletedTask;
    }

    private static List<(long, FeedEvent)> Select(FeedBatch batch, int skip, IReadOnlySet<string>? locationIds)
    {
        var result = new List<(long, FeedEvent)>(batch.Events.Length - skip);
        for (var i = skip; i < batch.Events.Length; i++)
        {
            if (locationIds is null || locationIds.Contains(batch.Events[i].LocationId))
            {
                result.Add((batch.FirstSequence + i, batch.Events[i]));
            }
        }

        return result;
    }

    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "Feed {Cpo}: events after {Last} up to {Next} are no longer retained; subscribers get a resync signal")]
    private static partial void LogGapLost(ILogger logger, string cpo, long last, long next);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Error, Message = "Feed {Cpo}: a batch could not be fanned out")]
    private static partial void LogBatchFailed(ILogger logger, Exception ex, string cpo);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Warning, Message = "Re-checking status subscriptions against the directory failed; retrying at the next interval")]
    private static partial void LogRecheckFailed(ILogger logger, Exception ex);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Warning, Message = "Feed {Cpo}: registering with the feed failed ({ExceptionType}); retrying at the next renewal")]
    private static partial void LogRenewFailed(ILogger logger, string cpo, string exceptionType);

    private sealed class CpoFeed(string cpo)
    {
        public string Cpo { get; } = cpo;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public string? Epoch { get; set; }

        public long LastSequence { get; set; }

        // Set when the last local subscriber left (no gate: the key's registration lock is held then);
        // cleared under the gate, where the position is taken again.
        public volatile bool Stale;

        public void ClearIfStale()
        {
            if (Stale)
            {
                (Stale, Epoch) = (false, null);
            }
        }

        // The position a new subscriber was given, unless batches already set one (they came after it).
        public void StartAt(FeedPosition position)
        {
            ClearIfStale();
            if (Epoch is null)
            {
                (Epoch, LastSequence) = (position.Epoch, position.Head);
            }
        }
    }
}
