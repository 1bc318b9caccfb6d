using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Grains.Parties;

namespace ClearingHouse.Server.Locations;

/// <summary>
/// This silo's one subscriber to CPO feeds. It subscribes (as a grain observer) to the feed of every
/// CPO that a local subscriber wants, renews that every 30 s, receives each feed batch once for the
/// silo, restores order and fills gaps by sequence (replaying from the feed), and fans the batch out
/// to its local subscribers after checking their agreement and filters.
/// </summary>
public sealed partial class StatusSubscriptionHub(
    IGrainFactory grains,
    PartyDirectory directory,
    HubClock clock,
    LocationMetrics metrics,
    ILogger<StatusSubscriptionHub> logger) : IStatusFeedObserver, IHostedService, IDisposable
{
    private static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(30);
    private readonly Lock _lock = new();
    private readonly Dictionary<string, CpoFeed> _feeds = new(StringComparer.Ordinal);
    private IStatusFeedObserver? _self;
    private Timer? _renewal;

    /// <summary>How many status subscriptions each EMSP has open on this silo (operator health view).</summary>
    public IReadOnlyDictionary<PartyKey, int> SubscriptionCounts()
    {
        lock (_lock)
        {
            return _feeds.Values.SelectMany(f => f.Subscribers).Distinct().Where(s => s.Emsp is not null)
                .GroupBy(s => s.Emsp!.Value).ToDictionary(g => g.Key, g => g.Count());
        }
    }

    /// <summary>
    /// Registers a subscriber and makes sure this silo receives its CPOs' feeds; returns each CPO
    /// feed's position at registration (everything after it reaches the subscriber's queue).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, FeedPosition>> AddAsync(StatusSubscriber subscriber)
    {
        var toSubscribe = new List<CpoFeed>();
        lock (_lock)
        {
            foreach (var cpo in subscriber.Cpos)
            {
                if (!_feeds.TryGetValue(cpo, out var feed))
                {
                    feed = new CpoFeed(cpo);
                    _feeds[cpo] = feed;
                }

                feed.Subscribers = [.. feed.Subscribers, subscriber];
                toSubscribe.Add(feed);
            }
        }

        var positions = new Dictionary<string, FeedPosition>(StringComparer.Ordinal);
        foreach (var feed in toSubscribe)
        {
            var position = await Feed(feed.Cpo).Subscribe(Self);
            await feed.Gate.WaitAsync();
            try
            {
                if (feed.Epoch is null)
                {
                    (feed.Epoch, feed.LastSequence) = (position.Epoch, position.Head);
                }
            }
            finally
            {
                feed.Gate.Release();
            }

            positions[feed.Cpo] = position;
        }

        return positions;
    }

    /// <summary>Removes a subscriber; feeds nobody on this silo wants any more are unsubscribed at the next renewal.</summary>
    public void Remove(StatusSubscriber subscriber)
    {
        lock (_lock)
        {
            foreach (var cpo in subscriber.Cpos)
            {
                if (_feeds.TryGetValue(cpo, out var feed))
                {
                    feed.Subscribers = [.. feed.Subscribers.Where(s => s != subscriber)];
                }
            }
        }

        subscriber.Complete();
    }

    /// <inheritdoc />
    public async Task OnBatch(FeedBatch batch)
    {
        CpoFeed? feed;
        lock (_lock)
        {
            _feeds.TryGetValue(batch.Cpo, out feed);
        }

        if (feed is null)
        {
            return;
        }

        await feed.Gate.WaitAsync();
        try
        {
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
                var replay = await Feed(feed.Cpo).Replay(feed.Epoch, feed.LastSequence);
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
        _renewal = new Timer(_ => _ = RenewAsync(), null, RenewEvery, RenewEvery);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken)
    {
        _renewal?.Dispose();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void Dispose() => _renewal?.Dispose();

    private IStatusFeedObserver Self
    {
        get
        {
            lock (_lock)
            {
                return _self ??= grains.CreateObjectReference<IStatusFeedObserver>(this);
            }
        }
    }

    private IStatusFeedGrain Feed(string cpo) => grains.GetGrain<IStatusFeedGrain>(cpo);

    private async Task DeliverAsync(CpoFeed feed, FeedBatch batch)
    {
        // Trim the part already delivered (a replay can overlap the live batch).
        var skip = (int)Math.Max(0, feed.LastSequence + 1 - batch.FirstSequence);
        feed.LastSequence = batch.LastSequence;
        var subscribers = feed.Subscribers;
        if (subscribers.Length == 0)
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
                metrics.Overflow();
            }
        }
    }

    private static async Task FanOutAsync(CpoFeed feed, StatusDelivery delivery)
    {
        foreach (var subscriber in feed.Subscribers)
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

    private async Task RenewAsync()
    {
        List<CpoFeed> feeds;
        lock (_lock)
        {
            feeds = [.. _feeds.Values];
            foreach (var idle in feeds.Where(f => f.Subscribers.Length == 0))
            {
                _feeds.Remove(idle.Cpo);
            }
        }

        foreach (var feed in feeds)
        {
            try
            {
                if (feed.Subscribers.Length == 0)
                {
                    await Feed(feed.Cpo).Unsubscribe(Self);
                }
                else
                {
                    await Feed(feed.Cpo).Subscribe(Self);
                }
            }
            catch (Exception ex)
            {
                LogRenewFailed(logger, ex, feed.Cpo);
            }
        }
    }

    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "Feed {Cpo}: events after {Last} up to {Next} are no longer retained; subscribers get a resync signal")]
    private static partial void LogGapLost(ILogger logger, string cpo, long last, long next);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Error, Message = "Feed {Cpo}: a batch could not be fanned out")]
    private static partial void LogBatchFailed(ILogger logger, Exception ex, string cpo);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Warning, Message = "Feed {Cpo}: renewing the subscription failed; retrying at the next renewal")]
    private static partial void LogRenewFailed(ILogger logger, Exception ex, string cpo);

    private sealed class CpoFeed(string cpo)
    {
        public string Cpo { get; } = cpo;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public string? Epoch { get; set; }

        public long LastSequence { get; set; }

        public StatusSubscriber[] Subscribers { get; set; } = [];
    }
}
