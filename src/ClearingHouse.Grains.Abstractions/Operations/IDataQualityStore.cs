using ClearingHouse.Domain.Locations;
using ClearingHouse.Domain.Parties;

namespace ClearingHouse.Grains.Operations;

/// <summary>One connector of a location as the tariff check needs it.</summary>
/// <param name="EvseUid">The EVSE's uid.</param>
/// <param name="ConnectorId">The connector's id within the EVSE.</param>
/// <param name="TariffIds">The tariff ids the connector names (OCPI <c>tariff_ids</c>); empty when none.</param>
public sealed record ConnectorTariffs(string EvseUid, string ConnectorId, IReadOnlyList<string> TariffIds);

/// <summary>What the data-quality findings need of one location, written each time the location grain stores it.</summary>
/// <param name="Cpo">The CPO.</param>
/// <param name="LocationId">The location's id.</param>
/// <param name="Published">OCPI <c>publish</c>: only published locations are checked for tariffs.</param>
/// <param name="Evses">Every EVSE of the location with its status and last change (UTC ticks).</param>
/// <param name="Connectors">Every connector with the tariff ids it names.</param>
public sealed record LocationFacts(
    PartyKey Cpo,
    string LocationId,
    bool Published,
    IReadOnlyList<(string Uid, EvseStatus Status, long LastUpdatedTicks)> Evses,
    IReadOnlyList<ConnectorTariffs> Connectors);

/// <summary>A finding's size and a few examples (text a person reads).</summary>
/// <param name="Count">How many.</param>
/// <param name="Examples">At most the number asked for, in a stable order.</param>
public sealed record FindingCount(long Count, IReadOnlyList<string> Examples);

/// <summary>
/// The operator's data-quality queries over what the dedicated stores hold (EVSE statuses, CDRs, sessions), plus the
/// two small side tables they need because locations and tariffs otherwise live only in grain state (an opaque
/// binary payload): the connectors' tariff ids of each location and the tariff ids of each CPO. The location grain
/// and the CPO tariffs grain write those in the same call that persists their state. SQLite in the Embedded profile,
/// PostgreSQL in the Cluster profile (the same file/database as the other stores).
/// </summary>
public interface IDataQualityStore
{
    /// <summary>
    /// Replaces the location's connector rows (none when it is not published) and brings its EVSE status rows in
    /// line: rows of EVSEs the location no longer has are removed, the others are written unless a newer status is
    /// already stored.
    /// </summary>
    Task RecordLocationAsync(LocationFacts facts, CancellationToken cancellationToken = default);

    /// <summary>Replaces the set of tariff ids the CPO has published.</summary>
    Task RecordTariffsAsync(PartyKey cpo, IReadOnlyCollection<string> tariffIds, CancellationToken cancellationToken = default);

    /// <summary>EVSEs (not REMOVED) whose last status change is before <paramref name="updatedBefore"/>, oldest first.</summary>
    Task<FindingCount> FindStaleEvsesAsync(DateTimeOffset updatedBefore, PartyKey? cpo, int examples, CancellationToken cancellationToken = default);

    /// <summary>
    /// Published locations with a connector that names no tariff, or names a tariff id the CPO has not published,
    /// by (CPO, location id).
    /// </summary>
    Task<FindingCount> FindLocationsWithoutTariffAsync(PartyKey? cpo, int examples, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stored CDRs ending at or after <paramref name="since"/> whose <c>session_id</c> is missing or names no session
    /// the hub has for that CPO, newest first.
    /// </summary>
    Task<FindingCount> FindCdrsWithoutSessionAsync(DateTimeOffset since, PartyKey? cpo, int examples, CancellationToken cancellationToken = default);
}
