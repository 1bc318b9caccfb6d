using System.Collections.Concurrent;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tariffs;

namespace ClearingHouse.Grains.Tariffs;

/// <summary>
/// The silo-local, compiled versions of a tariff, for a CDR whose session started before the current version's
/// <c>last_updated</c> (the only case that needs them: otherwise the current version, from <see cref="TariffCatalog"/>,
/// was in force). One store read per tariff and current version: an entry is kept until the current version changes
/// (a put makes a new current version, so the next CDR that needs the history reads it again). Bounded: past
/// <see cref="MaxEntries"/> the copy starts over.
/// </summary>
public sealed class TariffVersionCache(ITariffHistoryStore store)
{
    /// <summary>Most tariffs kept.</summary>
    public const int MaxEntries = 20_000;

    private readonly ConcurrentDictionary<(PartyKey Cpo, string TariffId), Entry> _entries = new();

    /// <summary>
    /// Every version of <paramref name="current"/>'s tariff the hub keeps, compiled, oldest <c>last_updated</c> first
    /// (the current one last).
    /// </summary>
    public Task<IReadOnlyList<CatalogTariff>> GetAsync(PartyKey cpo, CatalogTariff current)
    {
        ArgumentNullException.ThrowIfNull(current);
        var key = (cpo, current.Record.Id);
        if (_entries.TryGetValue(key, out var entry) && entry.Current == current.Record.LastUpdated && !entry.Versions.IsFaulted && !entry.Versions.IsCanceled)
        {
            return entry.Versions;
        }

        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }

        var fresh = new Entry(current.Record.LastUpdated, LoadAsync(cpo, current));
        _entries[key] = fresh;
        return fresh.Versions;
    }

    private async Task<IReadOnlyList<CatalogTariff>> LoadAsync(PartyKey cpo, CatalogTariff current)
    {
        var records = await store.ListAsync(cpo, current.Record.Id);
        var versions = new List<CatalogTariff>(records.Count + 1);
        foreach (var record in records)
        {
            if (record.LastUpdated < current.Record.LastUpdated)
            {
                versions.Add(new CatalogTariff(record, CompiledTariff.Compile(OcpiJson.ReadTariff(record.OcpiJson))));
            }
        }

        versions.Add(current);
        return versions;
    }

    private sealed record Entry(DateTimeOffset Current, Task<IReadOnlyList<CatalogTariff>> Versions);
}
