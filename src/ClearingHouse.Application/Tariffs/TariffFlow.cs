using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ClearingHouse.Application.Access;
using ClearingHouse.Application.Errors;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tariffs;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Grains.Tariffs;

namespace ClearingHouse.Application.Tariffs;

/// <summary>
/// The tariffs flow, below every edge: a CPO puts and deletes its tariffs; the CPO itself, EMSPs with an active
/// agreement and the operator read them (<see cref="AccessPolicy"/>), price a session with one, and ask which apply
/// at a location. Tariffs arrive as the Domain's <see cref="Tariff"/>, whatever the edge's wire form.
/// </summary>
public sealed partial class TariffFlow(IGrainFactory grains, AccessPolicy policy, TariffCatalog catalog, ITariffHistoryStore history, HubClock clock, ClockSkewBound skew, ILogger<TariffFlow> logger)
{
    /// <summary>The longest tariff id OCPI allows.</summary>
    public const int MaxTariffIdLength = 36;

    private static readonly JsonSerializerOptions StoredJson = new(OcpiJson.Options) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>Reads an OCPI Tariff JSON object; InvalidArgument (with the OCPI field path when known) if it is not one.</summary>
    public static Tariff ParseTariff(string json, string field)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field} is required", field);
        }

        try
        {
            return OcpiJson.ReadTariff(json);
        }
        catch (JsonException ex)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field} is not an OCPI tariff: {ex.Message}", ex.Path is { Length: > 1 } path ? path.TrimStart('$', '.') : field);
        }
    }

    /// <summary>Creates or replaces one of the calling CPO's tariffs, durably; InvalidArgument when it is not valid or names another party.</summary>
    public async Task<(CpoTariff Stored, bool Created)> PutAsync(CallerIdentity caller, Tariff tariff)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(tariff);
        var cpo = caller.RequireParty(PartyRole.Cpo);
        Validate(cpo, tariff);
        skew.Check(tariff.LastUpdated, "tariff.last_updated");
        var normalised = tariff with { CountryCode = cpo.CountryCode, PartyId = cpo.PartyId, LastUpdated = tariff.LastUpdated ?? clock.UtcNow };
        var record = new TariffRecord
        {
            Id = normalised.Id,
            Currency = normalised.Currency,
            LastUpdated = normalised.LastUpdated!.Value,
            OcpiJson = JsonSerializer.Serialize(normalised, StoredJson),
        };
        var result = await Grain(cpo).Put(record);
        catalog.Invalidate(cpo);
        LogTariffPut(logger, cpo.ToString(), record.Id, result.Created);
        return (new CpoTariff(cpo, result.Tariff), result.Created);
    }

    /// <summary>Deletes one of the calling CPO's tariffs; NotFound when it has none with this id.</summary>
    public async Task DeleteAsync(CallerIdentity caller, string tariffId)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var cpo = caller.RequireParty(PartyRole.Cpo);
        RequireTariffId(tariffId);
        if (!await Grain(cpo).Delete(tariffId))
        {
            throw new HubException(HubErrorCode.NotFound, $"{cpo} has no tariff '{tariffId}'");
        }

        catalog.Invalidate(cpo);
        LogTariffDeleted(logger, cpo.ToString(), tariffId);
    }

    /// <summary>One tariff of <paramref name="cpo"/> (the caller's own when null) the caller may read; NotFound when absent.</summary>
    public async Task<CpoTariff> GetAsync(CallerIdentity caller, PartyKey? cpo, string tariffId)
    {
        var owner = await ReadableCpoAsync(caller, cpo);
        RequireTariffId(tariffId);
        var tariff = await Grain(owner).Get(tariffId)
            ?? throw new HubException(HubErrorCode.NotFound, $"{owner} has no tariff '{tariffId}'");
        return new CpoTariff(owner, tariff);
    }

    /// <summary>
    /// The version of one tariff that was in force at <paramref name="at"/> (the latest whose <c>last_updated</c> is not
    /// after it), with the same rights as <see cref="GetAsync"/>; NotFound when the tariff is unknown or every version
    /// the hub keeps is younger (field <c>as_of</c>). A deleted tariff's versions stay readable.
    /// </summary>
    public async Task<CpoTariff> GetAsOfAsync(CallerIdentity caller, PartyKey? cpo, string tariffId, DateTimeOffset at)
    {
        var owner = await ReadableCpoAsync(caller, cpo);
        RequireTariffId(tariffId);
        if (await Grain(owner).Get(tariffId) is { } current && current.LastUpdated <= at)
        {
            return new CpoTariff(owner, current);
        }

        var version = await history.GetAsOfAsync(owner, tariffId, at)
            ?? throw new HubException(HubErrorCode.NotFound, $"{owner} has no version of tariff '{tariffId}' in force at {at.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}", "as_of");
        return new CpoTariff(owner, version);
    }

    /// <summary>
    /// Every version of one tariff the hub keeps, oldest first (the current one last), with the same rights as
    /// <see cref="GetAsync"/>; NotFound when there is none.
    /// </summary>
    public async Task<IReadOnlyList<CpoTariff>> HistoryAsync(CallerIdentity caller, PartyKey? cpo, string tariffId)
    {
        var owner = await ReadableCpoAsync(caller, cpo);
        RequireTariffId(tariffId);
        var versions = (await history.ListAsync(owner, tariffId)).ToList();
        if (await Grain(owner).Get(tariffId) is { } current && !versions.Exists(v => v.LastUpdated == current.LastUpdated))
        {
            // A tariff stored before the history existed: its current version is recorded at its next put.
            versions.Add(current);
        }

        if (versions.Count == 0)
        {
            throw new HubException(HubErrorCode.NotFound, $"{owner} has no tariff '{tariffId}'");
        }

        return versions.ConvertAll(v => new CpoTariff(owner, v));
    }

    /// <summary>
    /// One page of the tariffs the caller may read (of <paramref name="cpo"/> only, when set), ordered by CPO then id,
    /// starting after <paramref name="after"/>.
    /// </summary>
    public async Task<TariffPage> ListAsync(CallerIdentity caller, PartyKey? cpo, TariffPosition? after, int size)
    {
        var page = new List<CpoTariff>(Math.Min(size, 128));
        foreach (var owner in (await ListedCposAsync(caller, cpo)).Where(c => after is not { } a || c >= a.Cpo).Order())
        {
            var set = await Grain(owner).GetSet(0);
            foreach (var tariff in set!.Tariffs)
            {
                if (after is { } a && owner == a.Cpo && string.CompareOrdinal(tariff.Id, a.Id) <= 0)
                {
                    continue;
                }

                if (page.Count == size)
                {
                    return new TariffPage(page, new TariffPosition(page[^1].Cpo, page[^1].Tariff.Id));
                }

                page.Add(new CpoTariff(owner, tariff));
            }
        }

        return new TariffPage(page, null);
    }

    /// <summary>
    /// Prices <paramref name="session"/> with a stored tariff of <paramref name="cpo"/> the caller may read, in
    /// <paramref name="timeZone"/> (an IANA id; empty means UTC). Nothing is stored. <paramref name="sessionField"/>
    /// names the session in error messages (the edge's field).
    /// </summary>
    public async Task<PricingResult> PriceSessionAsync(CallerIdentity caller, PartyKey? cpo, string tariffId, ChargingSession session, string timeZone, string sessionField)
    {
        ArgumentNullException.ThrowIfNull(session);
        var owner = await ReadableCpoAsync(caller, cpo);
        RequireTariffId(tariffId);
        if (session.EndDateTime <= session.StartDateTime)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{sessionField}.end_date_time must be after start_date_time", $"{sessionField}.end_date_time");
        }

        var zone = TimeZoneInfo.Utc;
        if (timeZone.Length > 0 && !TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out zone))
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"time_zone '{timeZone}' is not a known IANA time zone", "time_zone");
        }

        var tariff = (await catalog.GetAsync(owner)).Find(tariffId)
            ?? throw new HubException(HubErrorCode.NotFound, $"{owner} has no tariff '{tariffId}'");
        var result = TariffPricer.Price(tariff.Compiled, session.StartDateTime, session.EndDateTime, session.ChargingPeriods, zone!);
        return result with { TimeZone = zone!.Id };
    }

    /// <summary>
    /// The tariffs named by the connectors of a location of <paramref name="cpo"/> the caller may read (one EVSE, or
    /// one connector of it, when given); NotFound for an unknown location, EVSE or connector.
    /// </summary>
    public async Task<ApplicableTariffs> GetApplicableAsync(CallerIdentity caller, PartyKey? cpo, string locationId, string evseUid, string connectorId)
    {
        var owner = await ReadableCpoAsync(caller, cpo);
        if (string.IsNullOrEmpty(locationId))
        {
            throw new HubException(HubErrorCode.InvalidArgument, "location_id is required", "location_id");
        }

        if (connectorId.Length > 0 && evseUid.Length == 0)
        {
            throw new HubException(HubErrorCode.InvalidArgument, "connector_id needs evse_uid", "evse_uid");
        }

        var location = await grains.GetGrain<ILocationGrain>(ILocationGrain.KeyOf(owner, locationId)).Get()
            ?? throw new HubException(HubErrorCode.NotFound, $"location {locationId} of {owner} is not known");
        var connectors = SelectConnectors(owner, locationId, location, evseUid, connectorId);
        var ids = connectors.SelectMany(c => c.TariffIds).Distinct(StringComparer.Ordinal).ToList();
        var tariffs = new List<TariffRecord>(ids.Count);
        var missing = new List<string>();
        foreach (var id in ids)
        {
            if (await Grain(owner).Get(id) is { } tariff)
            {
                tariffs.Add(tariff);
            }
            else
            {
                missing.Add(id);
            }
        }

        return new ApplicableTariffs(owner, location.TimeZone, connectors, tariffs, missing);
    }

    private static List<ConnectorTariffIds> SelectConnectors(PartyKey cpo, string locationId, LocationData location, string evseUid, string connectorId)
    {
        IReadOnlyList<EvseData> evses = evseUid.Length == 0 ? location.Evses : [.. location.Evses.Where(e => e.Uid == evseUid)];
        if (evses.Count == 0 && evseUid.Length > 0)
        {
            throw new HubException(HubErrorCode.NotFound, $"location {locationId} of {cpo} has no EVSE '{evseUid}'");
        }

        var connectors = evses
            .SelectMany(e => e.Connectors.Where(c => connectorId.Length == 0 || c.Id == connectorId).Select(c => new ConnectorTariffIds(e.Uid, c.Id, c.TariffIds)))
            .ToList();
        if (connectorId.Length > 0 && connectors.Count == 0)
        {
            throw new HubException(HubErrorCode.NotFound, $"EVSE '{evseUid}' of location {locationId} has no connector '{connectorId}'");
        }

        return connectors;
    }

    /// <summary>InvalidArgument unless <paramref name="id"/> is a tariff id (1 to 36 characters).</summary>
    public static void RequireTariffId(string id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxTariffIdLength)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"tariff_id is required, at most {MaxTariffIdLength} characters", "tariff_id");
        }
    }

    private static void Validate(PartyKey cpo, Tariff tariff)
    {
        if (tariff.CountryCode.Length > 0 && tariff.CountryCode != cpo.CountryCode)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"country_code '{tariff.CountryCode}' is not the caller's ({cpo.CountryCode})", "country_code");
        }

        if (tariff.PartyId.Length > 0 && tariff.PartyId != cpo.PartyId)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"party_id '{tariff.PartyId}' is not the caller's ({cpo.PartyId})", "party_id");
        }

        var errors = TariffValidator.Validate(tariff);
        if (errors.Count > 0)
        {
            var text = new StringBuilder();
            foreach (var error in errors)
            {
                text.Append(text.Length == 0 ? "" : "; ").Append(error.Field).Append(' ').Append(error.Message);
            }

            throw new HubException(HubErrorCode.InvalidArgument, text.ToString(), errors[0].Field);
        }
    }

    // The CPOs a list covers: the one named (if the caller may read it), else every CPO for the operator, the
    // caller itself for a CPO, the CPOs an EMSP has an active agreement with.
    private async Task<IEnumerable<PartyKey>> ListedCposAsync(CallerIdentity caller, PartyKey? cpo)
    {
        if (cpo is not null)
        {
            return [await ReadableCpoAsync(caller, cpo)];
        }

        var view = await policy.ViewAsync();
        return caller.IsOperator ? view.Snapshot.Parties.Where(p => p.Key.Role == PartyRole.Cpo).Select(p => p.Key)
            : caller.Party!.Value.Role == PartyRole.Cpo ? [caller.Party.Value]
            : policy.AgreedCpos(view, caller.Party.Value);
    }

    // Who may read which CPO's tariffs: the CPO itself, an EMSP with an active agreement, the operator.
    private async Task<PartyKey> ReadableCpoAsync(CallerIdentity caller, PartyKey? requested)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (requested is not { } cpo)
        {
            return caller.Party is { Role: PartyRole.Cpo } self
                ? self
                : throw new HubException(HubErrorCode.InvalidArgument, "cpo is required", "cpo");
        }

        if (cpo.Role != PartyRole.Cpo)
        {
            throw new HubException(HubErrorCode.InvalidArgument, "cpo.role must be PARTY_ROLE_CPO", "cpo.role");
        }

        if (caller.Party is { Role: PartyRole.Cpo or PartyRole.Emsp } party && !policy.MayRead(await policy.ViewAsync(), caller, cpo))
        {
            throw new HubException(HubErrorCode.PermissionDenied, $"{party} may not read the tariffs of {cpo}: only the CPO itself and EMSPs with an active agreement may");
        }

        return cpo;
    }

    private ICpoTariffsGrain Grain(PartyKey cpo) => grains.GetGrain<ICpoTariffsGrain>(ICpoTariffsGrain.KeyOf(cpo));

    [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "Tariff {TariffId} of {Cpo} stored (new: {Created})")]
    private static partial void LogTariffPut(ILogger logger, string cpo, string tariffId, bool created);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Information, Message = "Tariff {TariffId} of {Cpo} deleted")]
    private static partial void LogTariffDeleted(ILogger logger, string cpo, string tariffId);
}
