using ClearingHouse.Grains.Channels;
using Orleans.Concurrency;

namespace ClearingHouse.Grains.Cdrs;

/// <inheritdoc cref="ICdrFeedGrain" />
[Reentrant]
public sealed class CdrFeedGrain : SiloRegistryGrain<ICdrFeedObserver>, ICdrFeedGrain
{
    /// <summary>Silos renew every 30 s; three missed renewals forget a silo that membership still counts alive.</summary>
    protected override TimeSpan Expiry => TimeSpan.FromSeconds(90);

    /// <inheritdoc />
    public Task Notify()
    {
        var emsp = this.GetPrimaryKeyString();
        Notify(observer => observer.OnCdrsStored(emsp).Ignore());
        return Task.CompletedTask;
    }
}
