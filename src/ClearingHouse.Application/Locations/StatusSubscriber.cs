using System.Threading.Channels;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Locations;

namespace ClearingHouse.Application.Locations;

/// <summary>What the hub hands a subscriber: events of one CPO feed, or a resync signal for it.</summary>
/// <param name="Cpo">The CPO's text form.</param>
/// <param name="Epoch">The feed's epoch.</param>
/// <param name="LastSequence">The feed position after this delivery (covers filtered-out events too).</param>
/// <param name="Events">The events that passed the filters with their sequences; empty for a resync.</param>
/// <param name="Resync">True when the events between the subscriber's position and this one are lost.</param>
/// <param name="Joined">
/// True when the subscription took on this CPO while open (a new agreement): the subscriber's
/// position for it starts here, and no events come with it.
/// </param>
public sealed record StatusDelivery(string Cpo, string Epoch, long LastSequence, IReadOnlyList<(long Sequence, FeedEvent Event)> Events, bool Resync, bool Joined = false);

/// <summary>
/// One open SubscribeStatus call: its filters and its bounded queue. The hub offers batches; when the
/// queued events would exceed the bound the subscriber is marked overflowed and its call ends with
/// ResourceExhausted (it resumes from its last cursor, replaying from retention): the hub never
/// buffers without bound and never blocks on a slow client.
/// </summary>
public sealed class StatusSubscriber
{
    private readonly Channel<StatusDelivery> _queue = Channel.CreateUnbounded<StatusDelivery>(new UnboundedChannelOptions { SingleReader = true });
    private readonly int _capacity;
    private int _queued;
    private int _overflowed;

    private volatile IReadOnlySet<string> _cpos;

    /// <summary>Creates a subscriber.</summary>
    /// <param name="emsp">The subscribing EMSP; null for the operator.</param>
    /// <param name="cpos">The CPOs (text form) subscribed to now.</param>
    /// <param name="locationIds">Only these location ids; null means any.</param>
    /// <param name="capacity">The most events queued before the subscriber is cut.</param>
    /// <param name="countryCodes">
    /// Null when the caller named its CPOs (the set is fixed); otherwise the subscription follows
    /// the directory: CPOs that become visible later (a new agreement, for the operator a new CPO)
    /// are added, within these countries (empty: any).
    /// </param>
    public StatusSubscriber(PartyKey? emsp, IReadOnlySet<string> cpos, IReadOnlySet<string>? locationIds, int capacity, IReadOnlySet<string>? countryCodes = null)
    {
        Emsp = emsp;
        _cpos = cpos;
        LocationIds = locationIds;
        _capacity = capacity;
        FollowedCountries = countryCodes;
    }

    /// <summary>Non-null when the subscription takes on CPOs that become visible later (see the constructor).</summary>
    public IReadOnlySet<string>? FollowedCountries { get; }

    /// <summary>The subscribing EMSP; null for the operator (sees everything).</summary>
    public PartyKey? Emsp { get; }

    /// <summary>The CPOs (text form) subscribed to; replaced, never changed, when a CPO is taken on.</summary>
    public IReadOnlySet<string> Cpos => _cpos;

    /// <summary>Adds a CPO to <see cref="Cpos"/> (the hub's re-check is the only writer).</summary>
    public void AddCpo(string cpo) => _cpos = new HashSet<string>(_cpos, StringComparer.Ordinal) { cpo };

    /// <summary>Only these location ids; null means any.</summary>
    public IReadOnlySet<string>? LocationIds { get; }

    /// <summary>Events queued and not yet taken by the writer loop (for the saturation gauge).</summary>
    public int Queued => Math.Max(0, Volatile.Read(ref _queued));

    /// <summary>True once the queue overflowed; the call ends.</summary>
    public bool Overflowed => Volatile.Read(ref _overflowed) == 1;

    /// <summary>The queue the call's writer loop reads.</summary>
    public ChannelReader<StatusDelivery> Reader => _queue.Reader;

    /// <summary>Queues a delivery; false (and the subscriber is cut) when the bound would be exceeded.</summary>
    public bool Offer(StatusDelivery delivery)
    {
        if (Overflowed)
        {
            return false;
        }

        if (Interlocked.Add(ref _queued, delivery.Events.Count) > _capacity)
        {
            Interlocked.Exchange(ref _overflowed, 1);
            _queue.Writer.TryComplete();
            return false;
        }

        return _queue.Writer.TryWrite(delivery);
    }

    /// <summary>Called by the writer loop for each delivery it took.</summary>
    public void Taken(StatusDelivery delivery) => Interlocked.Add(ref _queued, -delivery.Events.Count);

    /// <summary>Ends the queue (the call ended).</summary>
    public void Complete() => _queue.Writer.TryComplete();
}
