using Orleans.Concurrency;

namespace ClearingHouse.Grains.Cdrs;

/// <inheritdoc cref="ICdrFeedGrain" />
[Reentrant]
public sealed class CdrFeedGrain(HubClock clock) : Grain, ICdrFeedGrain
{
    // Observers not renewed within this time are dropped (silos renew every 30 s).
    private static readonly TimeSpan ObserverLease = TimeSpan.FromSeconds(90);

    private readonly Dictionary<ICdrFeedObserver, DateTimeOffset> _observers = [];

    /// <inheritdoc />
    public Task Notify()
    {
        if (_observers.Count == 0)
        {
            return Task.CompletedTask;
        }

        var now = clock.UtcNow;
        var emsp = this.GetPrimaryKeyString();
        List<ICdrFeedObserver>? expired = null;
        foreach (var (observer, renewed) in _observers)
        {
            if (now - renewed > ObserverLease)
            {
                (expired ??= []).Add(observer);
                continue;
            }

            _ = observer.OnCdrsStored(emsp);
        }

        foreach (var observer in expired ?? [])
        {
            _observers.Remove(observer);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task Subscribe(ICdrFeedObserver observer)
    {
        _observers[observer] = clock.UtcNow;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task Unsubscribe(ICdrFeedObserver observer)
    {
        _observers.Remove(observer);
        return Task.CompletedTask;
    }
}
