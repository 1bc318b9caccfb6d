using ClearingHouse.Application.Channels;
using System.Threading.Channels;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Commands;
using ClearingHouse.Grains.Options;
using ClearingHouse.Grains.Sessions;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Application.Sessions;

/// <summary>What a feed subscriber receives: session-change signals, or command results.</summary>
public enum FeedKind
{
    /// <summary>A SubscribeSessions stream: it only needs to know that something changed.</summary>
    Sessions,

    /// <summary>A SubscribeCommandResults stream: it gets each result.</summary>
    CommandResults,
}

/// <summary>One subscriber of a party's feed on this silo. Bounded: a slow reader never makes the hub buffer without end.</summary>
public sealed class FeedSubscription
{
    /// <summary>Most results queued for a slow command-results subscriber; older ones are dropped (GetCommand still has them).</summary>
    public const int ResultCapacity = 1000;

    internal FeedSubscription(PartyKey party, FeedKind kind)
    {
        Party = party;
        Kind = kind;
    }

    /// <summary>The party subscribed to.</summary>
    public PartyKey Party { get; }

    /// <summary>What it receives.</summary>
    public FeedKind Kind { get; }

    /// <summary>Rings when the party's sessions changed (at most one pending ring).</summary>
    public Channel<bool> Doorbell { get; } = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Command results, oldest dropped beyond <see cref="ResultCapacity"/>.</summary>
    public Channel<CommandRecord> Results { get; } = Channel.CreateBounded<CommandRecord>(new BoundedChannelOptions(ResultCapacity) { FullMode = BoundedChannelFullMode.DropOldest });
}

/// <summary>
/// This silo's subscribers of party feeds (session changes and command results), registered with each
/// party's <see cref="IPartyFeedGrain"/> while there is at least one (the fan-out of <see cref="SiloFanout"/>).
/// </summary>
public sealed partial class PartyFeedHub(
    SiloFanout fanout,
    IOptions<SessionsOptions> options,
    ILogger<PartyFeedHub> logger) : SiloRegistrations<PartyKey, FeedSubscription, IPartyFeedObserver, IPartyFeedGrain>(fanout), IPartyFeedObserver
{
    /// <inheritdoc />
    public override TimeSpan RenewalPeriod => options.Value.FeedRegistrationPeriod;

    /// <summary>Adds a subscriber of <paramref name="party"/>'s feed.</summary>
    public async Task<FeedSubscription> SubscribeAsync(PartyKey party, FeedKind kind)
    {
        var subscription = new FeedSubscription(party, kind);
        await AddAsync(party, subscription);
        return subscription;
    }

    /// <summary>Removes a subscriber.</summary>
    public Task UnsubscribeAsync(FeedSubscription subscription)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        return RemoveAsync(subscription.Party, subscription);
    }

    /// <inheritdoc />
    public Task SessionsChanged(PartyKey emsp, long sequence)
    {
        if (TryGetItems(emsp, out var group))
        {
            foreach (var s in group.Items)
            {
                if (s.Kind == FeedKind.Sessions)
                {
                    s.Doorbell.Writer.TryWrite(true);
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task CommandResult(CommandRecord command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (TryGetItems(command.Emsp, out var group))
        {
            foreach (var s in group.Items)
            {
                if (s.Kind == FeedKind.CommandResults)
                {
                    s.Results.Writer.TryWrite(command);
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    protected override void OnRegistryFailed(PartyKey party, string exceptionType) => LogRegistryFailed(logger, party.ToString(), exceptionType);

    [LoggerMessage(EventId = 5201, Level = LogLevel.Warning, Message = "Party {Party}: feed registry unreachable ({ExceptionType})")]
    private static partial void LogRegistryFailed(ILogger logger, string party, string exceptionType);
}
