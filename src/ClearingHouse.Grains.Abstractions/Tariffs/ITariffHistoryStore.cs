using ClearingHouse.Domain.Parties;

namespace ClearingHouse.Grains.Tariffs;

/// <summary>
/// Every version of every tariff a CPO has put, keyed by (CPO, tariff id, OCPI <c>last_updated</c>): the current version
/// and the ones it replaced, so a CDR is priced with the version in force when its session started. SQLite in the
/// Embedded profile, PostgreSQL in the Cluster profile (table <c>tariff_versions</c>); written by
/// <see cref="ICpoTariffsGrain"/> before the tariff set itself, so a stored tariff always has its version here.
/// </summary>
public interface ITariffHistoryStore
{
    /// <summary>
    /// Records one version (idempotent: the same (CPO, id, <c>last_updated</c>) again replaces the row with what the
    /// CPO sent last). Durable when the task completes.
    /// </summary>
    Task RecordAsync(PartyKey cpo, TariffRecord version, CancellationToken cancellationToken = default);

    /// <summary>Every stored version of one tariff, oldest <c>last_updated</c> first.</summary>
    Task<IReadOnlyList<TariffRecord>> ListAsync(PartyKey cpo, string tariffId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The version in force at <paramref name="at"/> (the latest whose <c>last_updated</c> is not after it), or null when
    /// every stored version is younger.
    /// </summary>
    Task<TariffRecord?> GetAsOfAsync(PartyKey cpo, string tariffId, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>
    /// Forgets the versions of one tariff that stopped being in force before <paramref name="horizon"/>: every version
    /// older than the one in force at the horizon. The version in force at the horizon and every later one stay.
    /// Returns how many were removed.
    /// </summary>
    Task<int> PruneAsync(PartyKey cpo, string tariffId, DateTimeOffset horizon, CancellationToken cancellationToken = default);
}
