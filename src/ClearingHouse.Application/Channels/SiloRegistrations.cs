using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using ClearingHouse.Grains.Channels;

namespace ClearingHouse.Application.Channels;

/// <summary>
/// The silo half of the one fan-out mechanism (see <see cref="SiloFanout"/>): this silo's items per key
/// (status subscribers per CPO, CDR subscribers per EMSP, feed subscribers per party, open channels per
/// party) and their registration with each key's registry grain. While a key has at least one item here,
/// this silo's observer (the specialization itself) is registered; the last item removed unregisters it;
/// <see cref="SiloFanout"/> renews every registration periodically and after every membership change.
/// </summary>
/// <typeparam name="TKey">What items are grouped by; its text form is the registry grain's key.</typeparam>
/// <typeparam name="TItem">What this silo holds of a key.</typeparam>
/// <typeparam name="TObserver">The observer interface the registry calls this silo through.</typeparam>
/// <typeparam name="TRegistry">The registry grain of a key.</typeparam>
public abstract class SiloRegistrations<TKey, TItem, TObserver, TRegistry> : ISiloRegistrations, IGrainObserver
    where TKey : notnull
    where TItem : class
    where TObserver : class, IGrainObserver
    where TRegistry : ISiloRegistryGrain<TObserver>
{
    private readonly ConcurrentDictionary<TKey, KeyItems> _byKey = new();
    private TObserver? _reference;

    /// <summary>Creates this silo's registrations of one kind and hands them to <paramref name="fanout"/> for renewal.</summary>
    protected SiloRegistrations(SiloFanout fanout)
    {
        ArgumentNullException.ThrowIfNull(fanout);
        Grains = fanout.Grains;
        Silo = fanout.Silo;
        fanout.Add(this);
    }

    /// <summary>The grain factory.</summary>
    protected IGrainFactory Grains { get; }

    /// <summary>This silo, as the registries know it.</summary>
    protected SiloAddress Silo { get; }

    /// <summary>This object as an observer the registry grains can call.</summary>
    protected TObserver Reference => _reference ??= Grains.CreateObjectReference<TObserver>(this);

    /// <inheritdoc />
    public abstract TimeSpan RenewalPeriod { get; }

    /// <summary>Every key that has (or had) items on this silo.</summary>
    protected IEnumerable<KeyValuePair<TKey, KeyItems>> Held => _byKey;

    /// <summary>The registry grain of <paramref name="key"/>.</summary>
    protected TRegistry RegistryOf(TKey key) => Grains.GetGrain<TRegistry>(key.ToString()!);

    /// <summary>Logs that <paramref name="key"/>'s registry grain could not be reached.</summary>
    protected abstract void OnRegistryFailed(TKey key, string exceptionType);

    /// <summary>Called under the key's gate after its last item here was removed and the silo unregistered.</summary>
    protected virtual void OnLastRemoved(TKey key)
    {
    }

    /// <summary>This silo's items of <paramref name="key"/>, if it has had any.</summary>
    /// <summary>A sum over every item held on this silo (read by the saturation gauges at scrape time, never on a hot path).</summary>
    protected long SumOverItems(Func<TItem, long> of)
    {
        ArgumentNullException.ThrowIfNull(of);
        long total = 0;
        foreach (var (_, group) in _byKey)
        {
            foreach (var item in group.Items)
            {
                total += of(item);
            }
        }

        return total;
    }

    /// <summary>The items held under <paramref name="key"/> on this silo.</summary>
    protected bool TryGetItems(TKey key, [MaybeNullWhen(false)] out KeyItems items) => _byKey.TryGetValue(key, out items);

    /// <summary>Adds an item of <paramref name="key"/>; the first one registers this silo (true then) with the key's registry.</summary>
    protected async Task<bool> AddAsync(TKey key, TItem item)
    {
        var group = _byKey.GetOrAdd(key, _ => new KeyItems());
        await group.Gate.WaitAsync();
        try
        {
            group.Items = group.Items.Add(item);
            if (group.Items.Length == 1)
            {
                await RegistryOf(key).Register(Silo, Reference);
                return true;
            }

            return false;
        }
        catch
        {
            group.Items = group.Items.Remove(item);
            throw;
        }
        finally
        {
            group.Gate.Release();
        }
    }

    /// <summary>
    /// Removes an item of <paramref name="key"/>; the last one unregisters this silo (a failure only delays
    /// that: the registry forgets silos that stop renewing). False when it was not there.
    /// </summary>
    protected async Task<bool> RemoveAsync(TKey key, TItem item)
    {
        if (!_byKey.TryGetValue(key, out var group))
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
                    await RegistryOf(key).Unregister(Silo);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    OnRegistryFailed(key, ex.GetType().Name);
                }

                OnLastRemoved(key);
            }

            return group.Items.Length != before;
        }
        finally
        {
            group.Gate.Release();
        }
    }

    /// <inheritdoc />
    public async Task RenewAsync(CancellationToken cancellationToken)
    {
        foreach (var (key, group) in _byKey)
        {
            if (group.Items.IsEmpty)
            {
                continue;
            }

            // Under the gate, so a renewal never re-registers a key whose last item just left.
            await group.Gate.WaitAsync(cancellationToken);
            try
            {
                if (!group.Items.IsEmpty)
                {
                    await RegistryOf(key).Register(Silo, Reference);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                OnRegistryFailed(key, ex.GetType().Name);
            }
            finally
            {
                group.Gate.Release();
            }
        }
    }

    /// <summary>One key's items on this silo: changed under <see cref="Gate"/>, read without it.</summary>
    protected sealed class KeyItems : IDisposable
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
