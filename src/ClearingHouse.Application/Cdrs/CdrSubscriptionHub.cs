using ClearingHouse.Application.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Cdrs;

namespace ClearingHouse.Application.Cdrs;

/// <summary>One live SubscribeCdrs call on this silo: its EMSP and a doorbell the hub rings when that EMSP has new CDRs.</summary>
public sealed class CdrSubscription(PartyKey emsp)
{
    private readonly Channel<bool> _bell = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>The subscribing EMSP.</summary>
    public PartyKey Emsp { get; } = emsp;

    /// <summary>Rings the doorbell (coalesced: one pending ring at most).</summary>
    public void Ring() => _bell.Writer.TryWrite(true);

    /// <summary>Waits for a ring, or <paramref name="timeout"/>, whichever is first.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_bell.Reader.TryRead(out _))
        {
            return;
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(timeout);
        try
        {
            await _bell.Reader.ReadAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The poll interval elapsed: look at the store anyway.
        }
    }
}

/// <summary>
/// This silo's side of CDR delivery: it subscribes (as a grain observer) to the <see cref="ICdrFeedGrain"/> of every
/// EMSP that has a subscriber here, renews that every 30 s, and rings the local subscribers of an EMSP when the grain
/// says new CDRs are durable. CDRs themselves never travel through it: each subscriber reads them from the store.
/// </summary>
public sealed partial class CdrSubscriptionHub : ICdrFeedObserver, IHostedService, IDisposable
{
    private static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(30);
    private readonly IGrainFactory _grains;
    private readonly ILogger<CdrSubscriptionHub> _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, CdrSubscription[]> _byEmsp = new(StringComparer.Ordinal);
    private readonly UpDownCounter<long> _subscribers;
    private readonly Counter<long> _overflows;
    private readonly Counter<long> _delivered;
    private ICdrFeedObserver? _self;
    private Timer? _renewal;

    /// <summary>Creates the hub.</summary>
    public CdrSubscriptionHub(IGrainFactory grains, IMeterFactory meters, ILogger<CdrSubscriptionHub> logger)
    {
        _grains = grains;
        _logger = logger;
        var meter = meters.Create(HubMetrics.MeterName);
        _subscribers = meter.CreateUpDownCounter<long>(InstrumentNames.CdrSubscribers, "{subscriber}", "Open SubscribeCdrs streams on this silo");
        _overflows = meter.CreateCounter<long>(InstrumentNames.CdrSubscriberOverflows, "{subscriber}", "CDR subscribers cut because their queue stayed full");
        _delivered = meter.CreateCounter<long>(InstrumentNames.CdrsDelivered, "{cdr}", "CDRs written to SubscribeCdrs streams");
    }

    /// <summary>Registers a subscriber; once this returns, every CDR of its EMSP made durable from then on rings it.</summary>
    public async Task AddAsync(CdrSubscription subscription)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        var key = subscription.Emsp.ToString();
        lock (_lock)
        {
            _byEmsp[key] = _byEmsp.TryGetValue(key, out var current) ? [.. current, subscription] : [subscription];
        }

        _subscribers.Add(1);
        await Feed(key).Subscribe(Self);
    }

    /// <summary>Removes a subscriber; EMSPs nobody here wants any more are unsubscribed at the next renewal.</summary>
    public void Remove(CdrSubscription subscription)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        lock (_lock)
        {
            var key = subscription.Emsp.ToString();
            if (_byEmsp.TryGetValue(key, out var current))
            {
                _byEmsp[key] = [.. current.Where(s => s != subscription)];
            }
        }

        _subscribers.Add(-1);
    }

    /// <summary>Counts CDRs written to a stream.</summary>
    public void Delivered(int count) => _delivered.Add(count);

    /// <summary>Counts a subscriber cut for being too slow.</summary>
    public void Overflowed() => _overflows.Add(1);

    /// <inheritdoc />
    public Task OnCdrsStored(string emsp)
    {
        CdrSubscription[]? subscriptions;
        lock (_lock)
        {
            _byEmsp.TryGetValue(emsp, out subscriptions);
        }

        foreach (var subscription in subscriptions ?? [])
        {
            subscription.Ring();
        }

        return Task.CompletedTask;
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

    private ICdrFeedObserver Self
    {
        get
        {
            lock (_lock)
            {
                return _self ??= _grains.CreateObjectReference<ICdrFeedObserver>(this);
            }
        }
    }

    private ICdrFeedGrain Feed(string emsp) => _grains.GetGrain<ICdrFeedGrain>(emsp);

    private async Task RenewAsync()
    {
        List<string> renew = [], drop = [];
        lock (_lock)
        {
            foreach (var (emsp, subscriptions) in _byEmsp)
            {
                (subscriptions.Length > 0 ? renew : drop).Add(emsp);
            }

            foreach (var emsp in drop)
            {
                _byEmsp.Remove(emsp);
            }
        }

        foreach (var emsp in renew)
        {
            try
            {
                await Feed(emsp).Subscribe(Self);
            }
            catch (Exception ex)
            {
                LogRenewFailed(_logger, ex, emsp);
            }
        }

        foreach (var emsp in drop)
        {
            lock (_lock)
            {
                if (_byEmsp.ContainsKey(emsp))
                {
                    continue; // a subscriber came back meanwhile
                }
            }

            try
            {
                await Feed(emsp).Unsubscribe(Self);
            }
            catch (Exception ex)
            {
                LogRenewFailed(_logger, ex, emsp);
            }
        }
    }

    [LoggerMessage(EventId = 6201, Level = LogLevel.Warning, Message = "Could not renew this silo's CDR feed subscription for {Emsp}; subscribers poll the store meanwhile")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception, string emsp);
}
