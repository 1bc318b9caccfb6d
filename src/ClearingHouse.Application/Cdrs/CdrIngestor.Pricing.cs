using System.Collections.Concurrent;
using ClearingHouse.Domain.Cdrs;
using ClearingHouse.Domain.Tariffs;
using ClearingHouse.Grains.Cdrs;

namespace ClearingHouse.Application.Cdrs;

// Ingest step 2: resolve the batch's time zones at once, then price each valid CDR again from its tariff.
public sealed partial class CdrIngestor
{
    private const string NoLocationNoZoneNote = "the CDR names no location (cdr_location.id) and carries no cdr_location.time_zone: priced in UTC";

    private static readonly ConcurrentDictionary<string, TimeZoneInfo?> TimeZones = new(StringComparer.Ordinal);

    // One lookup for the batch's locations (usually answered by the silo's copy without a call).
    private async Task ResolveTimeZonesAsync(CdrBatch batch)
    {
        if (batch.LocationIds is not null)
        {
            await _locationZones.ResolveAsync(batch.Cpo, batch.LocationIds, batch.Zones);
        }
    }

    private void PriceAll(CdrBatch batch)
    {
        var tolerance = _options.Value.PriceTolerance;
        foreach (var valid in batch.Valid)
        {
            batch.Pending.Add(Price(batch, valid, tolerance));
        }
    }

    private static PendingCdr Price(CdrBatch batch, ValidCdr valid, decimal tolerance)
    {
        var (index, cdr, emsp, tariff, cdrZone) = valid;
        PricingResult? price = null;
        var check = PriceCheck.NotChecked;
        if (tariff is not null)
        {
            var (timeZone, note) = cdrZone is null && cdr.CdrLocation?.Id is { Length: > 0 } at
                ? ZoneOfLocation(batch, at) // one note per location and batch, not per CDR
                : ChooseTimeZone(cdr.CdrLocation?.Id, cdrZone, batch.Zones);
            price = TariffPricer.Price(tariff.Compiled, cdr, timeZone) with { TimeZone = timeZone.Id, TimeZoneNote = note };
            check = CdrPriceCheck.IsMismatch(price, cdr.TotalCost, tolerance, cdr.Credit == true) ? PriceCheck.Mismatch : PriceCheck.Matched;
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
            HubPriceJson = price is null ? null : PricingResultJson.Serialize(price),
            ReceivedAt = batch.Now,
            OcpiJson = batch.Documents[index],
        }, price);
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
