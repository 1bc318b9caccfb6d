namespace ClearingHouse.Grains.Channels;

/// <summary>
/// The registration half of every per-key fan-out registry (a CPO's status feed, an EMSP's CDR feed, a
/// party's session feed, an EMSP's authorization channels, a CPO's command channels): which silos hold
/// something of the key, each reachable through its observer. Silos register while they hold something
/// of the key and re-register periodically and after a membership change; the registry forgets a silo
/// that cluster membership declares dead or that stops re-registering.
/// </summary>
/// <typeparam name="TObserver">The observer interface the registry calls each silo through.</typeparam>
public interface ISiloRegistryGrain<TObserver> : IGrainWithStringKey
    where TObserver : IGrainObserver
{
    /// <summary>Registers (or renews) <paramref name="silo"/>'s observer.</summary>
    Task Register(SiloAddress silo, TObserver observer);

    /// <summary>Forgets <paramref name="silo"/>: it holds nothing of this key any more.</summary>
    Task Unregister(SiloAddress silo);

    /// <summary>The silos registered now, without those membership counts as leaving or dead (operator view, tests).</summary>
    Task<SiloAddress[]> GetSilos();
}
