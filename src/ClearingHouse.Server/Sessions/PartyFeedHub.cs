using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Threading.Channels;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Commands;
using ClearingHouse.Grains.Options;
using ClearingHouse.Grains.Sessions;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Server.Sessions;

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
/// party's <see cref="IPartyFeedGrain"/> while there is at least one, and re-registered periodically
/// (as the channel hubs do) so a registry re-activated after a silo failure learns them again.
/// </summary>
public sealed partial class PartyFeedHub(
    IGrainFactory grains,
    ILocalSiloDetails silo,
    IOptions<SessionsOptions> options,
    ILogger<PartyFeedHub> logger) : BackgroundService, IPartyFeedObserver
{
    private readonly ConcurrentDictionary<PartyKey, Subscribers> _byParty = new();
    private readonly string _siloId = silo.SiloAddress.ToParsableString();
    private IPartyFeedObserver? _reference;

    /// <summary>Adds a subscriber of <paramref name="party"/>'s feed.</summary>
    public async Task<FeedSubscription> SubscribeAsync(PartyKey party, FeedKind kind)
    {
        var subscription = new FeedSubscription(party, kind);
        var group = _byParty.GetOrAdd(party, _ => new Subscribers());
        await group.Gate.WaitAsync();
        try
        {
            group.List = group.List.Add(subscription);
            if (group.List.Length == 1)
            {
                await FeedOf(party).Register(_siloId, Reference);
            }
        }
        finally
        {
            group.Gate.Release();
        }

        return subscription;
    }

    /// <summary>Removes a subscriber.</summary>
    public async Task UnsubscribeAsync(FeedSubscription subscription)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        if (!_byParty.TryGetValue(subscription.Party, out var group))
        {
            return;
        }

        await group.Gate.WaitAsync();
        try
        {
            var before = group.List.Length;
            group.List = group.List.Remove(subscription);
            if (before > 0 && group.List.IsEmpty)
            {
                try
                {
                    await FeedOf(subscription.Party).Unregister(_siloId);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogRegistryFailed(logger, subscription.Party.ToString(), ex.GetType().Name);
                }
            }
        }
        finally
        {
            group.Gate.Release();
        }
    }

    /// <inheritdoc />
    public Task SessionsChanged(PartyKey emsp, long sequence)
    {
        if (_byParty.TryGetValue(emsp, out var group))
        {
            foreach (var s in group.List)
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
        if (_byParty.TryGetValue(command.Emsp, out var group))
        {
            foreach (var s in group.List)
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
    public override void Dispose()
    {
        foreach (var group in _byParty.Values)
        {
            group.Dispose();
        }

        base.Dispose();
    }

    /// <summary>Re-registers this silo's subscribers periodically.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.FeedRegistrationPeriod);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                foreach (var (party, group) in _byParty)
                {
                    if (group.List.IsEmpty)
                    {
                        continue;
                    }

                    try
                    {
                        await FeedOf(party).Register(_siloId, Reference);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        LogRegistryFailed(logger, party.ToString(), ex.GetType().Name);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private IPartyFeedObserver Reference => _reference ??= grains.CreateObjectReference<IPartyFeedObserver>(this);

    private IPartyFeedGrain FeedOf(PartyKey party) => grains.GetGrain<IPartyFeedGrain>(party.ToString());

    [LoggerMessage(EventId = 5201, Level = LogLevel.Warning, Message = "Party {Party}: feed registry unreachable ({ExceptionType})")]
    private static partial void LogRegistryFailed(ILogger logger, string party, string exceptionType);

    private sealed class Subscribers : IDisposable
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public ImmutableArray<FeedSubscription> List = [];

        public void Dispose() => Gate.Dispose();
    }
}
