using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Grains.Options;
using ClearingHouse.Grains.Parties;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Application.Locations;

/// <summary>
/// This silo's one subscriber to CPO feeds. It subscribes (as a grain observer) to the feed of every
/// CPO that a local subscriber wants, renews that every 30 s, receives each feed batch once for the
/// silo, restores order and fills gaps by sequence (replaying from the feed), and fans the batch out
/// to its local subscribers after checking their agreement and filters. Subscriptions that named no
/// CPO are re-checked against the directory every <see cref="LocationsOptions.SubscriptionRecheckInterval"/>
/// and take on CPOs that became visible since (a new agreement).
/// </summary>
public sealed partial class StatusSubscriptionHub(
    IGrainFactory grains,
    PartyDirectory directory,
    HubClock clock,
    LocationMetrics metrics,
    IOptions<LocationsOptions> options,
    ILogger<StatusSubscriptionHub> logger) : IStatusFeedObserver, IHostedService, IDisposable
{
    private static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(30);
    private readonly Lock _lock = new();
    private readonly Dictionary<string, CpoFeed> _feeds = new(StringComparer.Ordinal);
    private readonly HashSet<StatusSubscriber> _following = [];
    private readonly CancellationTokenSource _stopping = new();
    private IStatusFeedObserver? _self;
    private Timer? _renewal;
    private Task? _rechecks;

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
            if (subscriber.FollowedCountries is not null)
            {
                _following.Add(subscriber);
            }

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
            _following.Remove(subscriber);
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
        _rechecks = RecheckLoopAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _renewal?.Dispose();
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
    public void Dispose()
    {
        _renewal?.Dispose();
        _stopping.Dispose();
    }

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

    // Adds one CPO to an open subscription: its position for that CPO starts where this silo's
    // copy of the feed is, and the batches after it follow (both under the feed's gate, so no
    // batch can slip between the two).
    private async Task JoinAsync(StatusSubscriber subscriber, string cpo)
    {
        CpoFeed? feed;
        lock (_lock)
        {
            if (!_following.Contains(subscriber))
            {
                return;
            }

            if (!_feeds.TryGetValue(cpo, out feed))
            {
                feed = new CpoFeed(cpo);
                _feeds[cpo] = feed;
            }
        }

        var position = await Feed(cpo).Subscribe(Self);
        await feed.Gate.WaitAsync();
        try
        {
            if (feed.Epoch is null)
            {
                (feed.Epoch, feed.LastSequence) = (position.Epoch, position.Head);
            }

            lock (_lock)
            {
                if (!_following.Contains(subscriber))
                {
                    return;
                }

                subscriber.Offer(new StatusDelivery(cpo, feed.Epoch, feed.LastSequence, [], Resync: false, Joined: true));
                feed.Subscribers = [.. feed.Subscribers, subscriber];
                subscriber.AddCpo(cpo);
            }
        }
        finally
        {
            feed.Gate.Release();
        }
    }

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

    [LoggerMessage(EventId = 3204, Level = LogLevel.Warning, Message = "Re-checking status subscriptions against the directory failed; retrying at the next interval")]
    private static partial void LogRecheckFailed(ILogger logger, Exception ex);

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
