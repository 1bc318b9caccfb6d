using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Tariffs;

namespace ClearingHouse.Application.Tariffs;

/// <summary>A stored tariff and the CPO that owns it.</summary>
/// <param name="Cpo">The owning CPO.</param>
/// <param name="Tariff">The stored tariff.</param>
public readonly record struct CpoTariff(PartyKey Cpo, TariffRecord Tariff);

/// <summary>Where a tariff list resumes: after this CPO's tariff with this id.</summary>
/// <param name="Cpo">The CPO of the last tariff returned.</param>
/// <param name="Id">The id of the last tariff returned.</param>
public readonly record struct TariffPosition(PartyKey Cpo, string Id);

/// <summary>One page of tariffs ordered by CPO, then id.</summary>
/// <param name="Tariffs">The tariffs of the page.</param>
/// <param name="Next">Where the next page starts; null when this was the last.</param>
public sealed record TariffPage(IReadOnlyList<CpoTariff> Tariffs, TariffPosition? Next);

/// <summary>The tariff ids one connector names.</summary>
/// <param name="EvseUid">The EVSE's uid.</param>
/// <param name="ConnectorId">The connector's id within the EVSE.</param>
/// <param name="TariffIds">The connector's OCPI tariff_ids.</param>
public sealed record ConnectorTariffIds(string EvseUid, string ConnectorId, IReadOnlyList<string> TariffIds);

/// <summary>The tariffs that apply at a location, an EVSE or a connector.</summary>
/// <param name="Cpo">The CPO of the location.</param>
/// <param name="TimeZone">The location's IANA time zone.</param>
/// <param name="Connectors">Every selected connector and the tariff ids it names.</param>
/// <param name="Tariffs">The stored tariffs named, each once, in order of first mention.</param>
/// <param name="MissingTariffIds">Tariff ids named by a connector that the CPO has not stored.</param>
public sealed record ApplicableTariffs(PartyKey Cpo, string TimeZone, IReadOnlyList<ConnectorTariffIds> Connectors, IReadOnlyList<TariffRecord> Tariffs, IReadOnlyList<string> MissingTariffIds);
