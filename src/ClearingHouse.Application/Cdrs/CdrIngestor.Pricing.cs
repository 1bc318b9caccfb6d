using System.Collections.Concurrent;
using ClearingHouse.Domain.Cdrs;
using ClearingHouse.Domain.Tariffs;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Tariffs;

namespace ClearingHouse.Application.Cdrs;

// Ingest step 2: resolve the batch's time zones at once, then price each valid CDR again from its tariff.
public sealed partial class CdrIngestor
{
    private const string NoLocationNoZoneNote = "the CDR names no location (cdr_location.id) and carries no cdr_location.time_zone: priced in UTC";

    private static readonly ConcurrentDictionary<string, TimeZoneInfo?> TimeZones = new(StringComparer.Ordinal);

    private PriceCheckOptions? _priceCheck;

    // One lookup for the batch's locations (usually answered by the silo's copy without a call).
    private async Task ResolveTimeZonesAsync(CdrBatch batch)
    {
        if (batch.LocationIds is not null)
        {
            await _locationZones.ResolveAsync(batch.Cpo, batch.LocationIds, batch.Zones, batch.Facts);
        }
    }

    // The older versions of a tariff, only for CDRs whose session started before its current version: one silo-cached
    // read per tariff and current version, none at all when the current version applies (the usual case).
    private async Task ResolveVersionsAsync(CdrBatch batch)
    {
        foreach (var valid in batch.Valid)
        {
            if (valid.Tariff is { } current && current.Tariff.LastUpdated > valid.Cdr.StartDateTime &&
                (batch.Versions is null || !batch.Versions.ContainsKey(current.Record.Id)))
            {
                (batch.Versions ??= new(StringComparer.Ordinal))[current.Record.Id] = await _versions.GetAsync(batch.Cpo, current);
            }
        }
    }

    private void PriceAll(CdrBatch batch)
    {
        var options = _priceCheck ??= _options.Value.ToPriceCheckOptions();
        foreach (var valid in batch.Valid)
        {
            batch.Pending.Add(Price(batch, valid, options));
        }
    }

    private static PendingCdr Price(CdrBatch batch, ValidCdr valid, PriceCheckOptions options)
    {
        var (index, cdr, emsp, tariff, cdrZone) = valid;
        PricingResult? price = null;
        PriceCheckDetails? details = null;
        var check = PriceCheck.NotChecked;
        if (tariff is not null)
        {
            var (timeZone, note) = cdrZone is null && cdr.CdrLocation?.Id is { Length: > 0 } at
                ? ZoneOfLocation(batch, at) // one note per location and batch, not per CDR
                : ChooseTimeZone(cdr.CdrLocation?.Id, cdrZone, batch.Zones);
            var (version, versionNote) = ChooseVersion(batch, tariff, cdr);
            var result = CdrPriceCheck.Check(version.Compiled, cdr, timeZone, options);
            price = result.Hub is { } hub ? hub with { TimeZone = timeZone.Id, TimeZoneNote = note } : null;
            var listing = result.Verdict == PriceCheckVerdict.TariffNotActive ? null : CheckConnector(batch, cdr, version);
            check = result.Verdict switch
            {
                PriceCheckVerdict.TariffNotActive => PriceCheck.TariffNotActive,
                PriceCheckVerdict.Matched when listing?.Flag is { } flag => flag,
                PriceCheckVerdict.Matched => PriceCheck.Matched,
                _ => PriceCheck.Mismatch, // a component differs, or an older version is in another currency
            };
            details = new PriceCheckDetails
            {
                Verdict = check switch
                {
                    PriceCheck.TariffNotListed => PriceCheckVerdict.TariffNotListed,
                    PriceCheck.TariffConflict => PriceCheckVerdict.TariffConflict,
                    _ => result.Verdict,
                },
                TariffId = version.Record.Id,
                TariffLastUpdated = version.Record.LastUpdated,
                TariffVersionNote = versionNote,
                Differences = result.Differences,
                Note = result.Reason ?? listing?.Note,
            };
        }

        return new PendingCdr(index, new StoredCdr
        {
            Cpo = batch.Cpo,
            Id = cdr.Id!,
            Emsp = emsp,
            StartDateTime = cdr.StartDateTime,
            EndDateTime = cdr.EndDateTime,
            Currency = cdr.Currency,
            TotalCostExclVat = cdr.TotalCost.ExclVat,
            TotalCostInclVat = cdr.TotalCost.InclVat,
            Credit = cdr.Credit == true,
            CreditReferenceId = cdr.CreditReferenceId,
            TariffId = tariff?.Record.Id,
            PriceCheck = check,
            HubPriceJson = details is null ? null : PricingResultJson.Serialize(price, details),
            ReceivedAt = batch.Now,
            OcpiJson = batch.Documents[index],
        }, price, details);
    }

    /// <summary>
    /// The version of a tariff a CDR is priced with: the one in force when its session started (OCPI: that version
    /// applies to the whole session); when the hub keeps none that old, the version the CDR itself names (its
    /// <c>tariffs[]</c> copy's <c>last_updated</c>), else the oldest the hub keeps. The note says which, and why.
    /// </summary>
    private static (CatalogTariff Version, string Note) ChooseVersion(CdrBatch batch, CatalogTariff current, Cdr cdr)
    {
        var start = cdr.StartDateTime;
        if (current.Tariff.LastUpdated is not { } currentAt || currentAt <= start)
        {
            return (current, CurrentVersionNote);
        }

        var versions = batch.Versions![current.Record.Id];
        for (var i = versions.Count - 1; i >= 0; i--)
        {
            if (versions[i].Record.LastUpdated <= start)
            {
                return (versions[i], VersionNote(batch, current, versions[i], VersionChoice.InForce));
            }
        }

        foreach (var named in cdr.Tariffs)
        {
            if (named.Id == current.Record.Id && named.LastUpdated is { } namedAt && versions.FirstOrDefault(v => v.Record.LastUpdated == namedAt) is { } match)
            {
                return (match, VersionNote(batch, current, match, VersionChoice.NamedByCdr));
            }
        }

        return (versions[0], VersionNote(batch, current, versions[0], VersionChoice.Oldest));
    }

    private enum VersionChoice
    {
        InForce,
        NamedByCdr,
        Oldest,
    }

    // The note of a version choice depends only on the tariff, the version and why: built once per batch, not per CDR
    // (a batch of CDRs older than their tariff's current version all take the same older version).
    private static string VersionNote(CdrBatch batch, CatalogTariff current, CatalogTariff version, VersionChoice why)
    {
        var notes = batch.VersionNotes ??= [];
        var key = (current.Record.Id, version.Record.LastUpdated, (int)why);
        if (!notes.TryGetValue(key, out var note))
        {
            var at = Instant(version.Record.LastUpdated);
            note = why switch
            {
                VersionChoice.InForce => $"the version of {at} was in force when the session started (the tariff changed at {Instant(current.Tariff.LastUpdated!.Value)})",
                VersionChoice.NamedByCdr => $"no version the hub keeps was in force when the session started: the version the CDR names (tariffs[].last_updated {at})",
                _ => $"no version the hub keeps was in force when the session started, and the CDR names none the hub keeps: the oldest it keeps ({at})",
            };
            notes[key] = note;
        }

        return note;
    }

    private const string CurrentVersionNote = "the current version was in force when the session started";

    private static string Instant(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// What the connector the CDR names says about its tariff, judged by the connector's <c>tariff_ids</c> in force when
    /// the session started (the hub keeps a connector's earlier lists, <see cref="ConnectorTariffHistory"/>):
    /// <see cref="PriceCheck.TariffNotListed"/> when that list did not name the tariff; <see cref="PriceCheck.TariffConflict"/>
    /// when it named another tariff of the same OCPI type (or both without one) active at the session's start too
    /// (<see cref="ConnectorTariffRules"/>: one active tariff per type); else no flag, with a note when the list
    /// changed during the session. Null when the hub cannot tell: no location, EVSE or connector named or known, a list
    /// naming no tariff (OCPI: the default tariff agreed outside OCPI applies), or a session older than what it keeps.
    /// Reads nothing: the location facts come with the batch's time zones, the other tariffs from the catalog.
    /// </summary>
    private static (PriceCheck? Flag, string? Note)? CheckConnector(CdrBatch batch, Cdr cdr, CatalogTariff version)
    {
        if (cdr.CdrLocation is not { Id.Length: > 0, EvseUid.Length: > 0, ConnectorId.Length: > 0 } at ||
            !batch.Facts.TryGetValue(at.Id, out var facts) ||
            !facts.Connectors.TryGetValue((at.EvseUid!, at.ConnectorId!), out var connector))
        {
            return null;
        }

        var tariffId = version.Record.Id;
        var start = cdr.StartDateTime;
        var listed = connector.ListedAt(start);
        if (listed is null)
        {
            // Nothing the hub keeps covers the session's start: judged only when the list now names the tariff.
            return Array.IndexOf(connector.TariffIds, tariffId) >= 0 ? null
                : (null, $"connector {at.EvseUid}/{at.ConnectorId} does not list tariff '{tariffId}' now, and the hub keeps no list of it from when the session started (it knows it since {Instant(connector.Earlier.Count > 0 ? connector.Earlier[0].Since : connector.LastUpdated)}): not flagged");
        }

        if (listed.Length == 0)
        {
            return null;
        }

        var changed = connector.FirstChangeBetween(start, cdr.EndDateTime) is { } change
            ? $"; connector {at.EvseUid}/{at.ConnectorId} changed its tariff_ids during the session (at {Instant(change.At)}, to [{string.Join(", ", change.TariffIds)}]): judged by the list at the session's start"
            : null;
        if (Array.IndexOf(listed, tariffId) < 0)
        {
            return (PriceCheck.TariffNotListed, $"connector {at.EvseUid}/{at.ConnectorId} of location '{at.Id}' listed [{string.Join(", ", listed)}] when the session started, not tariff '{tariffId}'{changed}");
        }

        if (Conflicting(batch, listed, version, start) is { } other)
        {
            var type = version.Tariff.Type is { } t ? $"of type {ConnectorTariffRules.Name(t)}" : "without a type";
            return (PriceCheck.TariffConflict, $"connector {at.EvseUid}/{at.ConnectorId} of location '{at.Id}' listed tariffs '{tariffId}' and '{other}', both {type} and active when the session started: OCPI allows one active tariff per type at a connector, so the hub cannot tell which applied{changed}");
        }

        return changed is null ? null : (null, changed[2..]);
    }

    // Another tariff the connector listed at the session's start, of the same type as the CDR's and active then
    // (ConnectorTariffRules). Only versions of it in force at that start are judged: a tariff whose current version is
    // younger than the session is skipped rather than judged by a window it did not have then (no history read).
    private static string? Conflicting(CdrBatch batch, string[] listed, CatalogTariff version, DateTimeOffset start)
    {
        if (listed.Length < 2 || batch.Tariffs is not { } tariffs)
        {
            return null;
        }

        foreach (var id in listed)
        {
            if (id != version.Record.Id && tariffs.Find(id) is { } other && other.Tariff.Type == version.Tariff.Type &&
                (other.Tariff.LastUpdated is not { } since || since <= start) && other.Tariff.IsActiveAt(start))
            {
                return id;
            }
        }

        return null;
    }

    private static (TimeZoneInfo Zone, string Note) ZoneOfLocation(CdrBatch batch, string locationId)
    {
        var choices = batch.ZoneChoices ??= new(StringComparer.Ordinal);
        if (!choices.TryGetValue(locationId, out var choice))
        {
            choice = ChooseTimeZone(locationId, null, batch.Zones);
            choices[locationId] = choice;
        }

        return choice;
    }

    /// <summary>
    /// The zone a CDR is priced in: its location's, as the hub knows it; else the CDR's own
    /// <c>cdr_location.time_zone</c>; else UTC. The note says which, and why.
    /// </summary>
    private static (TimeZoneInfo Zone, string Note) ChooseTimeZone(string? locationId, TimeZoneInfo? cdrZone, Dictionary<string, string?> zones)
    {
        if (string.IsNullOrEmpty(locationId))
        {
            return cdrZone is null
                ? (TimeZoneInfo.Utc, NoLocationNoZoneNote) // the common case of a bare CDR: no string built per CDR
                : Fallback("the CDR names no location (cdr_location.id)", cdrZone);
        }

        if (!zones.TryGetValue(locationId, out var held) || held is null)
        {
            return Fallback($"location '{locationId}' is not known to the hub", cdrZone);
        }

        if (held.Length > 0 && FindTimeZone(held) is { } zone)
        {
            return (zone, cdrZone is null || cdrZone.Id == zone.Id
                ? $"time zone of location '{locationId}' as published by the CPO"
                : $"time zone of location '{locationId}' as published by the CPO; the CDR's cdr_location.time_zone '{cdrZone.Id}' is not used");
        }

        return Fallback(held.Length == 0 ? $"location '{locationId}' has no time_zone" : $"the time_zone '{held}' of location '{locationId}' is unknown here", cdrZone);
    }

    private static (TimeZoneInfo Zone, string Note) Fallback(string why, TimeZoneInfo? cdrZone) => cdrZone is not null
        ? (cdrZone, $"{why}: priced in the CDR's cdr_location.time_zone")
        : (TimeZoneInfo.Utc, $"{why} and the CDR carries no cdr_location.time_zone: priced in UTC");

    private static TimeZoneInfo? FindTimeZone(string id) => TimeZones.GetOrAdd(id, static z =>
        TimeZoneInfo.TryFindSystemTimeZoneById(z, out var zone) ? zone : null);
}
