using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Utilities;

namespace ClearingHouse.Grains.Channels;

/// <summary>Names shared by every silo registry.</summary>
public static class SiloRegistry
{
    /// <summary>
    /// The service key of the <see cref="TimeProvider"/> registries expire registrations by (the system clock
    /// when none is registered). Its own key, because the container's unkeyed one also drives the runtime's
    /// timers: a test moves this one without freezing Orleans.
    /// </summary>
    public const string ClockKey = "clearinghouse.fanout";
}

/// <summary>
/// The cluster side of the one fan-out mechanism (the silo side and the five uses are described on
/// <c>ClearingHouse.Application.Channels.SiloFanout</c>): one grain per key keeps, in Orleans'
/// <see cref="ObserverManager{TIdentity, TObserver}"/>, one observer per silo that holds something of the key.
/// Silos are dropped three ways: cluster membership declaring them dead or leaving (checked on each use, once
/// per membership version, as Orleans' GPSTracker sample does: a silo never waits out a lease to be
/// forgotten), a registration not renewed within <see cref="Expiry"/> (a silo that lost its subscribers without
/// saying so), and a call to the silo failing. Not durable: silos re-register periodically and after every
/// membership change, so an activation re-created after its silo died learns them again.
/// </summary>
/// <typeparam name="TObserver">The observer interface the registry calls each silo through.</typeparam>
/// <remarks>State changes happen between awaits, so reentrant subclasses interleave safely.</remarks>
public abstract partial class SiloRegistryGrain<TObserver> : Grain, ISiloRegistryGrain<TObserver>
    where TObserver : class, IGrainObserver
{
    private ObserverManager<SiloAddress, TObserver>? _observers;
    private IClusterMembershipService? _membership;
    private ILogger? _logger;
    private MembershipVersion _checked = MembershipVersion.MinValue;

    /// <summary>How long a registration lasts without renewal (a few of the silos' renewal periods).</summary>
    protected abstract TimeSpan Expiry { get; }

    /// <summary>The logger of the concrete registry.</summary>
    protected ILogger Logger => _logger ??= ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(GetType());

    private IClusterMembershipService Membership => _membership ??= ServiceProvider.GetRequiredService<IClusterMembershipService>();

    private ObserverManager<SiloAddress, TObserver> Observers
    {
        get
        {
            if (_observers is null)
            {
                var clock = ServiceProvider.GetKeyedService<TimeProvider>(SiloRegistry.ClockKey) ?? TimeProvider.System;
                _observers = new ObserverManager<SiloAddress, TObserver>(Expiry, Logger) { GetDateTime = () => clock.GetUtcNow().UtcDateTime };
            }

            return _observers;
        }
    }

    /// <inheritdoc />
    public Task Register(SiloAddress silo, TObserver observer)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(observer);

        // A silo that membership already counts as leaving or dead is not taken back (a late renewal).
        if (!Membership.CurrentSnapshot.GetSiloStatus(silo).IsTerminating())
        {
            Observers.Subscribe(silo, observer);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task Unregister(SiloAddress silo)
    {
        Observers.Unsubscribe(silo);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<SiloAddress[]> GetSilos() => Task.FromResult(Live().Select(s => s.Key).ToArray());

    /// <summary>Calls <paramref name="send"/> (a one-way call) on every live silo's observer.</summary>
    protected void Notify(Action<TObserver> send)
    {
        DropDeparted();
        Observers.Notify(send);
    }

    /// <summary>The live silos and their observers, expired and departed ones dropped first.</summary>
    protected IReadOnlyList<KeyValuePair<SiloAddress, TObserver>> Live()
    {
        DropDeparted();
        Observers.ClearExpired();
        return [.. Observers.Observers];
    }

    /// <summary>Forgets <paramref name="silo"/> after a call to it failed; it registers again if it is alive.</summary>
    protected void Drop(SiloAddress silo, string exceptionType)
    {
        Observers.Unsubscribe(silo);
        LogSiloDropped(Logger, this.GetPrimaryKeyString(), silo.ToString(), exceptionType);
    }

    private void DropDeparted()
    {
        var snapshot = Membership.CurrentSnapshot;
        if (snapshot.Version == _checked || Observers.Count == 0)
        {
            return;
        }

        _checked = snapshot.Version;
        foreach (var silo in Observers.Observers.Keys)
        {
            var status = snapshot.GetSiloStatus(silo);
            if (status.IsTerminating())
            {
                Observers.Unsubscribe(silo);
                LogSiloDeparted(Logger, this.GetPrimaryKeyString(), silo.ToString(), status.ToString());
            }
        }
    }

    [LoggerMessage(EventId = 8601, Level = LogLevel.Information, Message = "Registry {Key}: silo {Silo} is {Status} in cluster membership; removed")]
    private static partial void LogSiloDeparted(ILogger logger, string key, string silo, string status);

    [LoggerMessage(EventId = 8602, Level = LogLevel.Warning, Message = "Registry {Key}: silo {Silo} unreachable ({ExceptionType}); removed until it registers again")]
    private static partial void LogSiloDropped(ILogger logger, string key, string silo, string exceptionType);
}
