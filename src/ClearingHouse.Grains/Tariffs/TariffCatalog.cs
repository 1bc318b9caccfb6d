using System.Collections.Concurrent;
using System.Collections.Frozen;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tariffs;
using ClearingHouse.Grains.Options;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Grains.Tariffs;

/// <summary>
/// The silo-local, read-only copy of each CPO's tariffs, parsed and compiled, for CDR ingest: pricing a
/// batch costs no grain call while the copy is younger than <see cref="PartyDirectoryOptions.RefreshInterval"/>
/// (Directory:RefreshInterval, the same staleness the party directory allows); a refresh with no change costs
/// one call that returns nothing. A put or delete through this silo invalidates its copy at once.
/// </summary>
public sealed class TariffCatalog(IGrainFactory grains, HubClock clock, IOptions<PartyDirectoryOptions> options)
{
    private readonly ConcurrentDictionary<PartyKey, Entry> _entries = new();

    /// <summary>The tariffs of a CPO, no older than the refresh interval.</summary>
    public ValueTask<CpoTariffs> GetAsync(PartyKey cpo)
    {
        return _entries.TryGetValue(cpo, out var entry) && clock.UtcNow - entry.FetchedAt < options.Value.RefreshInterval
            ? ValueTask.FromResult(entry.Tariffs)
            : new ValueTask<CpoTariffs>(RefreshAsync(cpo, entry));
    }

    /// <summary>Forgets the copy of a CPO's tariffs (after a change made through this silo).</summary>
    public void Invalidate(PartyKey cpo) => _entries.TryRemove(cpo, out _);

    private async Task<CpoTariffs> RefreshAsync(PartyKey cpo, Entry? stale)
    {
        var fetchedAt = clock.UtcNow;
        var set = await grains.GetGrain<ICpoTariffsGrain>(ICpoTariffsGrain.KeyOf(cpo)).GetSet(stale?.Tariffs.Version ?? 0);
        var tariffs = set is null && stale is not null ? stale.Tariffs : CpoTariffs.Compile(set!);
        _entries[cpo] = new Entry(tariffs, fetchedAt);
        return tariffs;
    }

    private sealed record Entry(CpoTariffs Tariffs, DateTimeOffset FetchedAt);
}

/// <summary>A compiled tariff with its stored record.</summary>
public sealed record CatalogTariff(TariffRecord Record, CompiledTariff Compiled)
{
    /// <summary>The parsed tariff.</summary>
    public Tariff Tariff => Compiled.Tariff;
}

/// <summary>One CPO's tariffs at one version, parsed and compiled.</summary>
public sealed class CpoTariffs
{
    private readonly FrozenDictionary<string, CatalogTariff> _byId;

    private CpoTariffs(long version, FrozenDictionary<string, CatalogTariff> byId)
    {
        Version = version;
        _byId = byId;
    }

    /// <summary>The version of the CPO's tariff set.</summary>
    public long Version { get; }

    /// <summary>A tariff by id, or null.</summary>
    public CatalogTariff? Find(string id) => _byId.GetValueOrDefault(id);

    /// <summary>Parses and compiles a set (each stored tariff was validated when it was put).</summary>
    public static CpoTariffs Compile(TariffSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        return new CpoTariffs(
            set.Version,
            set.Tariffs.ToFrozenDictionary(
                t => t.Id,
                t => new CatalogTariff(t, CompiledTariff.Compile(OcpiJson.ReadTariff(t.OcpiJson))),
                StringComparer.Ordinal));
    }
}
