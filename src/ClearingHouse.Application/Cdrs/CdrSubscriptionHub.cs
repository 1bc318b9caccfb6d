using ClearingHouse.Application.Channels;
using ClearingHouse.Application.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Diagnostics;

namespace ClearingHouse.Application.Cdrs;

/// <summary>One live SubscribeCdrs call on this silo: its EMSP and a doorbell the hub rings when that EMSP has new CDRs.</summary>
public sealed class CdrSubscription(PartyKey emsp)
{
    private readonly Channel<bool> _bell = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>The subscriber's read-ahead queue once its stream runs (the saturation gauge counts it).</summary>
    public ChannelReader<CdrFeedMessage>? Queue { get; set; }

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
/// This silo's side of CDR delivery: its subscribers per EMSP, registered (the fan-out of <see cref="SiloFanout"/>)
/// with the <see cref="ICdrFeedGrain"/> of every EMSP that has a subscriber here; it rings the local subscribers
/// of an EMSP when the grain says new CDRs are durable. CDRs themselves never travel through it: each
/// subscriber reads them from the store.
/// </summary>
public sealed partial class CdrSubscriptionHub : SiloRegistrations<string, CdrSubscription, ICdrFeedObserver, ICdrFeedGrain>, ICdrFeedObserver
{
    private readonly ILogger<CdrSubscriptionHub> _logger;
    private readonly UpDownCounter<long> _subscribers;
    private readonly Counter<long> _overflows;
    private readonly Counter<long> _delivered;
    private readonly QueueMetrics _queues;

    /// <summary>Creates the hub.</summary>
    public CdrSubscriptionHub(SiloFanout fanout, IMeterFactory meters, QueueMetrics queues, ILogger<CdrSubscriptionHub> logger)
        : base(fanout)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(queues);
        _queues = queues;
        _logger = logger;
        var meter = meters.Create(HubMetrics.MeterName);
        _subscribers = meter.CreateUpDownCounter<long>(InstrumentNames.CdrSubscribers, "{subscriber}", "Open SubscribeCdrs streams on this silo");
        _overflows = meter.CreateCounter<long>(InstrumentNames.CdrSubscriberOverflows, "{subscriber}", "CDR subscribers cut because their queue stayed full");
        _delivered = meter.CreateCounter<long>(InstrumentNames.CdrsDelivered, "{cdr}", "CDRs written to SubscribeCdrs streams");
        _subscribers.Add(0);
        _overflows.Add(0);
        _delivered.Add(0);
    }

    /// <summary>Silos renew every 30 s; the feed grain forgets a silo after 90 s without.</summary>
    public override TimeSpan RenewalPeriod => TimeSpan.FromSeconds(30);

    /// <summary>Registers a subscriber; once this returns, every CDR of its EMSP made durable from then on rings it.</summary>
    public async Task AddAsync(CdrSubscription subscription)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        await AddAsync(subscription.Emsp.ToString(), subscription);
        _subscribers.Add(1);
    }

    /// <summary>Removes a subscriber; the last one of an EMSP unregisters this silo from its feed.</summary>
    public void Remove(CdrSubscription subscription)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        _subscribers.Add(-1);
        _ = RemoveAsync(subscription.Emsp.ToString(), subscription);
    }

    /// <summary>Counts CDRs written to a stream.</summary>
    public void Delivered(int count) => _delivered.Add(count);

    /// <summary>Counts a subscriber cut for being too slow, and the <paramref name="droppedBatches"/> its queue held.</summary>
    public void Overflowed(int droppedBatches)
    {
        _overflows.Add(1);
        _queues.Dropped(HubQueue.CdrSubscriber, droppedBatches);
    }

    /// <summary>CDR batches read ahead for this silo's subscribers and not yet written (the saturation gauge reads it).</summary>
    public long QueuedBatches => SumOverItems(static s => s.Queue is { CanCount: true } q ? q.Count : 0);

    /// <inheritdoc />
    public Task OnCdrsStored(string emsp)
    {
        if (TryGetItems(emsp, out var group))
        {
            foreach (var subscription in group.Items)
            {
                subscription.Ring();
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    protected override void OnRegistryFailed(string key, string exceptionType) => LogRenewFailed(_logger, key, exceptionType);

    [LoggerMessage(EventId = 6201, Level = LogLevel.Warning, Message = "Could not reach the CDR feed of {Emsp} ({ExceptionType}); subscribers poll the store meanwhile")]
    private static partial void LogRenewFailed(ILogger logger, string emsp, string exceptionType);
}
