using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Channels;
using ClearingHouse.Grains.Commands;
using Orleans.Concurrency;

namespace ClearingHouse.Grains.Sessions;

/// <summary>A silo's subscribers of one party's feeds (session changes, command results).</summary>
public interface IPartyFeedObserver : IGrainObserver
{
    /// <summary>Sessions of <paramref name="emsp"/> changed, up to <paramref name="sequence"/>: subscribers read the store.</summary>
    [OneWay]
    Task SessionsChanged(PartyKey emsp, long sequence);

    /// <summary>A command of <paramref name="command"/>.Emsp got its result.</summary>
    [OneWay]
    Task CommandResult(CommandRecord command);
}

/// <summary>
/// The cluster-wide registry of the silos that have subscribers for one EMSP, keyed by the party's
/// text form. In memory only: silos re-register periodically. Notifications are hints; the store is
/// the truth (a session subscriber also polls), so a lost notification only delays an event.
/// </summary>
public interface IPartyFeedGrain : ISiloRegistryGrain<IPartyFeedObserver>
{
    /// <summary>Tells every registered silo that sessions changed.</summary>
    [OneWay]
    Task SessionsChanged(long sequence);

    /// <summary>Tells every registered silo about a command result.</summary>
    [OneWay]
    Task CommandResult(CommandRecord command);
}
