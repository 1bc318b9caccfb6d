using ClearingHouse.Grains.Channels;
using Orleans.Concurrency;

namespace ClearingHouse.Grains.Cdrs;

/// <summary>A silo's CDR subscription hub: told that an EMSP has new durable CDRs, it wakes that EMSP's local subscribers.</summary>
public interface ICdrFeedObserver : IGrainObserver
{
    /// <summary>New CDRs of <paramref name="emsp"/> (text form) are durable; subscribers read them from the store.</summary>
    [OneWay]
    Task OnCdrsStored(string emsp);
}

/// <summary>
/// The doorbell of one EMSP's CDR feed (key: the EMSP's text form). It carries no CDRs and keeps no state
/// worth persisting: ingest rings it after a commit, and it rings the silos whose subscription hubs asked.
/// A lost ring only delays delivery until the subscriber's next poll (<c>Cdrs:SubscriberPollInterval</c>).
/// </summary>
public interface ICdrFeedGrain : ISiloRegistryGrain<ICdrFeedObserver>
{
    /// <summary>New CDRs of this EMSP are durable (fire-and-forget, after the commit).</summary>
    [OneWay]
    Task Notify();
}
