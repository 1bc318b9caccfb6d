using System.Collections.Concurrent;
using System.Collections.Immutable;
using ClearingHouse.Domain.Parties;

namespace ClearingHouse.Application.Channels;

/// <summary>
/// This silo's per-party items (open channels, feed subscribers) and the registration that makes them
/// reachable cluster-wide: while a party has at least one item here, this silo's observer is registered
/// with the party's registry grain, and it is re-registered periodically so that a registry re-activated
/// after a silo failure learns it again. Shared by the channel hubs and the party feed hub.
/// </summary>
/// <typeparam name="TItem">What a party holds on this silo.</typeparam>
/// <typeparam name="TObserver">The observer interface the registry grain calls this silo through.</typeparam>
public abstract class PartyRegistrationHub<TItem, TObserver> : BackgroundService, IGrainObserver
    where TItem : class
    where TObserver : class, IGrainObserver
{
    private readonly ConcurrentDictionary<PartyKey, PartyItems> _byParty = new();
    private TObserver? _reference;

    /// <summary>Creates the hub of this silo.</summary>
    protected PartyRegistrationHub(IGrainFactory grains, ILocalSiloDetails silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        Grains = grains;
        SiloId = silo.SiloAddress.ToParsableString();
    }

    /// <summary>The grain factory, to reach the registry grains.</summary>
    protected IGrainFactory Grains { get; }

    /// <summary>This silo's id, as the registry grains know it.</summary>
    protected string SiloId { get; }

    /// <summary>This hub as an observer the registry grains can call.</summary>
    protected TObserver Reference => _reference ??= Grains.CreateObjectReference<TObserver>(this);

    /// <summary>How often this silo re-registers its parties.</summary>
    protected abstract TimeSpan RegistrationPeriod { get; }

    /// <summary>Every party that has (or had) items on this silo.</summary>
    protected IEnumerable<KeyValuePair<PartyKey, PartyItems>> Parties => _byParty;

    /// <inheritdoc />
    public override void Dispose()
    {
        foreach (var items in _byParty.Values)
        {
            items.Dispose();
        }

        base.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Registers (or refreshes) this silo's observer with <paramref name="party"/>'s registry grain.</summary>
    protected abstract Task RegisterAsync(PartyKey party, TObserver observer);

    /// <summary>Tells <paramref name="party"/>'s registry grain that this silo holds nothing of it any more.</summary>
    protected abstract Task UnregisterAsync(PartyKey party);

    /// <summary>Logs that <paramref name="party"/>'s registry grain could not be reached.</summary>
    protected abstract void OnRegistryFailed(PartyKey party, string exceptionType);

    /// <summary>This silo's items of <paramref name="party"/>, if it has had any.</summary>
    protected bool TryGetItems(PartyKey party, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out PartyItems items) =>
        _byParty.TryGetValue(party, out items);

    /// <summary>Adds an item of <paramref name="party"/>; the first one registers this silo with the party's registry.</summary>
    protected async Task AddAsync(PartyKey party, TItem item)
    {
        var group = _byParty.GetOrAdd(party, _ => new PartyItems());
        await group.Gate.WaitAsync();
        try
        {
            group.Items = group.Items.Add(item);
            if (group.Items.Length == 1)
            {
                await RegisterAsync(party, Reference);
            }
        }
        finally
        {
            group.Gate.Release();
        }
    }

    /// <summary>
    /// Removes an item of <paramref name="party"/>; the last one unregisters this silo (a failure only
    /// delays that: the registry forgets silos that stop refreshing). False when it was not there.
    /// </summary>
    protected async Task<bool> RemoveAsync(PartyKey party, TItem item)
    {
        if (!_byParty.TryGetValue(party, out var group))
        {
            return false;
        }

        await group.Gate.WaitAsync();
        try
        {
            var before = group.Items.Length;
            group.Items = group.Items.Remove(item);
            if (before > 0 && group.Items.IsEmpty)
            {
                try
                {
                    await UnregisterAsync(party);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    OnRegistryFailed(party, ex.GetType().Name);
                }
            }

            return group.Items.Length != before;
        }
        finally
        {
            group.Gate.Release();
        }
    }

    /// <summary>Re-registers this silo's parties periodically, so a registry re-activated elsewhere learns them again.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RegistrationPeriod);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                foreach (var (party, group) in _byParty)
                {
                    if (group.Items.IsEmpty)
                    {
                        continue;
                    }

                    try
                    {
                        await RegisterAsync(party, Reference);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        OnRegistryFailed(party, ex.GetType().Name);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One party's items on this silo: changed under <see cref="Gate"/>, read without it.</summary>
    protected sealed class PartyItems : IDisposable
    {
        private int _next;

        /// <summary>Serializes changes (and the registrations they cause).</summary>
        internal SemaphoreSlim Gate { get; } = new(1, 1);

        /// <summary>The items, replaced as a whole on each change.</summary>
        public ImmutableArray<TItem> Items { get; internal set; } = [];

        /// <summary>Where the next round-robin pass over <paramref name="count"/> items starts.</summary>
        public int NextStart(int count) => (int)((uint)Interlocked.Increment(ref _next) % (uint)Math.Max(count, 1));

        /// <inheritdoc />
        public void Dispose() => Gate.Dispose();
    }
}
