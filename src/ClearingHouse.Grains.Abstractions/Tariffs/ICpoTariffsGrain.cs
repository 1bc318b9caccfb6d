using ClearingHouse.Domain.Parties;

namespace ClearingHouse.Grains.Tariffs;

/// <summary>
/// The tariffs of one CPO, keyed by the CPO's party key text (<c>NL-ABC-CPO</c>). One grain per CPO keeps
/// a CPO's tariffs consistent (a put or delete is atomic and durable before it returns) and lets the
/// silo-local <c>TariffCatalog</c> fetch a CPO's whole set in one call.
/// </summary>
public interface ICpoTariffsGrain : IGrainWithStringKey
{
    /// <summary>The grain of a CPO.</summary>
    static string KeyOf(PartyKey cpo) => cpo.ToString();

    /// <summary>Creates or replaces a tariff (already validated by the caller). Returns the stored record and whether it was new.</summary>
    Task<TariffPutResult> Put(TariffRecord tariff);

    /// <summary>Deletes a tariff; false when there was none.</summary>
    Task<bool> Delete(string tariffId);

    /// <summary>One tariff, or null.</summary>
    Task<TariffRecord?> Get(string tariffId);

    /// <summary>All tariffs ordered by id, with the set's version; null when <paramref name="knownVersion"/> is current.</summary>
    Task<TariffSet?> GetSet(long knownVersion);
}

/// <summary>A stored tariff: the OCPI JSON as the hub normalised it, and what lists need without parsing it.</summary>
[GenerateSerializer, Immutable]
public sealed record TariffRecord
{
    /// <summary>The tariff id (OCPI <c>id</c>).</summary>
    [Id(0)] public required string Id { get; init; }

    /// <summary>ISO 4217 currency.</summary>
    [Id(1)] public required string Currency { get; init; }

    /// <summary>OCPI <c>last_updated</c> (UTC).</summary>
    [Id(2)] public required DateTimeOffset LastUpdated { get; init; }

    /// <summary>The OCPI Tariff JSON, with country_code and party_id set to the owning CPO.</summary>
    [Id(3)] public required string OcpiJson { get; init; }
}

/// <summary>The result of <see cref="ICpoTariffsGrain.Put"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record TariffPutResult([property: Id(0)] TariffRecord Tariff, [property: Id(1)] bool Created);

/// <summary>All tariffs of a CPO at one version.</summary>
[GenerateSerializer, Immutable]
public sealed record TariffSet
{
    /// <summary>Increases with every change.</summary>
    [Id(0)] public required long Version { get; init; }

    /// <summary>The tariffs, ordered by id (ordinal).</summary>
    [Id(1)] public required IReadOnlyList<TariffRecord> Tariffs { get; init; }
}
