namespace ClearingHouse.Grains.Locations;

/// <summary>
/// One location of one CPO (key <see cref="KeyOf"/>): the OCPI object, durable before a write returns,
/// and its EVSEs' current statuses, applied newer-only and written behind (bounded, seconds) through
/// the silo's status writer. Refusals throw <see cref="Errors.HubException"/> with nothing applied.
/// </summary>
public interface ILocationGrain : IGrainWithStringKey
{
    /// <summary>The grain key of a CPO's location: <c>NL-ABC-CPO/LOC1</c> (ids never contain '/').</summary>
    static string KeyOf(Domain.Parties.PartyKey cpo, string locationId) => $"{cpo}/{locationId}";

    /// <summary>Creates or replaces the location; not applied when the held one is newer.</summary>
    Task<LocationWriteResult> Put(LocationData location);

    /// <summary>Patches the location's own fields. NotFound when there is no location.</summary>
    Task<LocationWriteResult> Patch(LocationPatch patch);

    /// <summary>Patches one EVSE. NotFound when there is no location or no such EVSE.</summary>
    Task<LocationWriteResult> PatchEvse(EvsePatch patch);

    /// <summary>The location with current statuses, or null when unknown.</summary>
    Task<LocationData?> Get();

    /// <summary>
    /// The location and its connectors' earlier <c>tariff_ids</c> (kept for <c>Tariffs:HistoryRetention</c>, at most
    /// <see cref="ConnectorTariffHistory.MaxPerConnector"/> per connector), for CDR ingest; null when never put.
    /// </summary>
    Task<LocationPricingView?> GetForPricing();

    /// <summary>
    /// The location's IANA <c>time_zone</c> as the CPO published it ("" when it has none), or null when the hub
    /// does not know the location. Cheap (no EVSE copy): CDR ingest prices in this zone.
    /// </summary>
    Task<string?> GetTimeZone();

    /// <summary>
    /// Applies a batch of status updates for this location in order, newer-only. An unknown location
    /// answers UnknownLocation for every update.
    /// </summary>
    Task<StatusBatchResult> ApplyStatuses(StatusBatch batch);
}
