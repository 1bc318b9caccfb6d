using ClearingHouse.Application.Diagnostics;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.Json.Serialization;
using ClearingHouse.Domain.Cdrs;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tariffs;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Parties;
using ClearingHouse.Grains.Tariffs;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Application.Cdrs;

/// <summary>The verdict on one submitted CDR.</summary>
public enum CdrOutcome
{
    /// <summary>Stored durably.</summary>
    Accepted = 1,

    /// <summary>Already stored; left as it was.</summary>
    Duplicate = 2,

    /// <summary>Not stored.</summary>
    Rejected = 3,
}

/// <summary>The acknowledgement of one CDR of a batch.</summary>
public sealed record CdrResult(int Index, string? CdrId, CdrOutcome Outcome, IReadOnlyList<CdrValidationError> Reasons, PriceCheck? PriceCheck, Cost? HubTotal, string Currency, string? TimeZone = null, string? TimeZoneNote = null);

/// <summary>
/// Ingests a batch of one CPO's CDRs without a grain call per CDR: each CDR is parsed and validated, checked
/// against the silo's party directory (known EMSP, active agreement) and the CPO's compiled tariffs (known
/// tariff, same currency), priced again, and the valid ones are written to the <see cref="ICdrStore"/> in one
/// transaction. Results are returned only after that transaction committed: an ACCEPTED CDR is durable.
/// </summary>
/// <remarks>
/// Time zone for pricing: the <c>time_zone</c> of the location the CDR names (<c>cdr_location.id</c>) as the hub
/// knows it (the CPO published it through LocationService), looked up for the whole batch at once through the
/// silo's <see cref="LocationTimeZones"/>; only when the hub does not know the location (or it has no usable zone),
/// the CDR's own <c>cdr_location.time_zone</c> (an extension; OCPI 2.2.1's CdrLocation has none), else UTC. The
/// choice and any fallback are stated in the breakdown's and the acknowledgement's time-zone note.
/// </remarks>
public sealed partial class CdrIngestor
{
    private static readonly JsonSerializerOptions BreakdownJson = new(OcpiJson.Options) { DefaultIgnoreCondition = JsonIgnoreCondition.Never };
    private static readonly ConcurrentDictionary<string, TimeZoneInfo?> TimeZones = new(StringComparer.Ordinal);

    private readonly ICdrStore _store;
    private readonly IGrainFactory _grains;
    private readonly PartyDirectory _directory;
    private readonly TariffCatalog _catalog;
    private readonly LocationTimeZones _locationZones;
    private readonly HubClock _clock;
    private readonly IOptions<CdrOptions> _options;
    private readonly ILogger<CdrIngestor> _logger;
    private readonly Counter<long> _cdrs;
    private readonly Histogram<double> _batchSeconds;

    /// <summary>Creates the ingestor.</summary>
    public CdrIngestor(ICdrStore store, IGrainFactory grains, PartyDirectory directory, TariffCatalog catalog, LocationTimeZones locationZones, HubClock clock, IOptions<CdrOptions> options, IMeterFactory meters, ILogger<CdrIngestor> logger)
    {
        _store = store;
        _grains = grains;
        _directory = directory;
        _catalog = catalog;
        _locationZones = locationZones;
        _clock = clock;
        _options = options;
        _logger = logger;
        var meter = meters.Create(HubMetrics.MeterName);
        _cdrs = meter.CreateCounter<long>(InstrumentNames.CdrsSubmitted, "{cdr}", "CDRs submitted, by outcome (accepted, duplicate, rejected, mismatch)");
        _batchSeconds = meter.CreateHistogram<double>(InstrumentNames.CdrBatchDuration, "s", "Time to validate, price and durably store one batch of CDRs");
    }

    /// <summary>Serializes the hub's breakdown for storage (snake_case, as OCPI names the totals).</summary>
    public static string SerializeBreakdown(PricingResult result) => PricingResultJson.Serialize(result);

    /// <summary>Reads a stored breakdown.</summary>
    public static PricingResult? DeserializeBreakdown(string? json) =>
        json is null ? null : JsonSerializer.Deserialize<PricingResult>(json, BreakdownJson);

    /// <summary>Validates, prices and stores a batch of OCPI CDR JSON objects of <paramref name="cpo"/>; one result per CDR, in order.</summary>
    public async Task<IReadOnlyList<CdrResult>> IngestAsync(PartyKey cpo, IReadOnlyList<string> documents, CancellationToken cancellationToken)
    {
        var started = _clock.Time.GetTimestamp();
        var now = _clock.UtcNow;
        var view = await _directory.GetAsync();
        CpoTariffs? tariffs = null;
        var tolerance = _options.Value.PriceTolerance;
        var results = new CdrResult?[documents.Count];
        var pending = new List<(int Index, StoredCdr Cdr, PricingResult? Price)>(documents.Count);
        var valid = new List<ValidCdr>(documents.Count);
        HashSet<string>? locationIds = null;
        var firstIndexById = new Dictionary<string, int>(StringComparer.Ordinal);
        var repeats = new List<(int Index, string Id, int First)>();
        var errors = new List<CdrValidationError>(); // reused per CDR; copied only for a rejection

        for (var i = 0; i < documents.Count; i++)
        {
            Cdr cdr;
            try
            {
                cdr = OcpiJson.ReadCdr(documents[i]);
            }
            catch (JsonException ex)
            {
                results[i] = Reject(i, null, [new("", $"not a readable OCPI CDR: {ex.Message}")]);
                continue;
            }

            errors.Clear();
            errors.AddRange(CdrValidator.Validate(cdr));
            if (cdr.CountryCode is { Length: > 0 } cc && cc != cpo.CountryCode)
            {
                errors.Add(new("country_code", $"'{cc}' is not the caller's country code ({cpo.CountryCode})."));
            }

            if (cdr.PartyId is { Length: > 0 } pid && pid != cpo.PartyId)
            {
                errors.Add(new("party_id", $"'{pid}' is not the caller's party id ({cpo.PartyId})."));
            }

            PartyKey? emsp = null;
            if (cdr.CdrToken is { CountryCode.Length: 2, PartyId.Length: 3 } token && !errors.Exists(e => e.Field.StartsWith("cdr_token", StringComparison.Ordinal)))
            {
                var key = new PartyKey(token.CountryCode!, token.PartyId!, PartyRole.Emsp);
                if (view.GetParty(key) is null)
                {
                    errors.Add(new("cdr_token", $"the token's issuer {key} is not a registered EMSP."));
                }
                else if (!view.IsAgreementActive(cpo, key, now))
                {
                    errors.Add(new("cdr_token", $"there is no active roaming agreement between {cpo} and the token's issuer {key}."));
                }
                else
                {
                    emsp = key;
                }
            }

            var tariffIds = CdrValidator.TariffIds(cdr);
            CatalogTariff? tariff = null;
            if (tariffIds.Count > 0)
            {
                tariffs ??= await _catalog.GetAsync(cpo);
                foreach (var id in tariffIds)
                {
                    var found = tariffs.Find(id);
                    if (found is null)
                    {
                        errors.Add(new(TariffField(cdr, id), $"tariff '{id}' is not a tariff of {cpo} (PutTariff it first)."));
                    }
                    else if (found.Record.Currency != cdr.Currency)
                    {
                        errors.Add(new("currency", $"'{cdr.Currency}' differs from the currency of tariff '{id}' ({found.Record.Currency})."));
                    }
                    else if (tariffIds.Count == 1)
                    {
                        tariff = found;
                    }
                }
            }

            TimeZoneInfo? cdrZone = null;
            if (cdr.CdrLocation?.TimeZone is { Length: > 0 } zoneId)
            {
                if (FindTimeZone(zoneId) is { } zone)
                {
                    cdrZone = zone;
                }
                else
                {
                    errors.Add(new("cdr_location.time_zone", $"'{zoneId}' is not a known IANA time zone."));
                }
            }

            if (errors.Count > 0 || emsp is null)
            {
                results[i] = Reject(i, cdr.Id, [.. errors]);
                continue;
            }

            var id0 = cdr.Id!;
            if (firstIndexById.TryGetValue(id0, out var first))
            {
                repeats.Add((i, id0, first));
                continue;
            }

            firstIndexById[id0] = i;
            valid.Add(new ValidCdr(i, cdr, emsp.Value, tariff, cdrZone));
            if (tariff is not null && cdr.CdrLocation?.Id is { Length: > 0 } locationId)
            {
                (locationIds ??= new(StringComparer.Ordinal)).Add(locationId);
            }
        }

        // One lookup for the batch's locations (usually answered by the silo's copy without a call).
        var zones = new Dictionary<string, string?>(StringComparer.Ordinal);
        Dictionary<string, (TimeZoneInfo, string)>? choices = null;
        if (locationIds is not null)
        {
            await _locationZones.ResolveAsync(cpo, locationIds, zones);
        }

        (TimeZoneInfo, string) ZoneOfLocation(string locationId)
        {
            choices ??= new(StringComparer.Ordinal);
            if (!choices.TryGetValue(locationId, out var choice))
            {
                choice = ChooseTimeZone(locationId, null, zones);
                choices[locationId] = choice;
            }

            return choice;
        }

        foreach (var (i, cdr, emsp, tariff, cdrZone) in valid)
        {
            PricingResult? price = null;
            var check = PriceCheck.NotChecked;
            if (tariff is not null)
            {
                var (timeZone, note) = cdrZone is null && cdr.CdrLocation?.Id is { Length: > 0 } at
                    ? ZoneOfLocation(at) // one note per location and batch, not per CDR
                    : ChooseTimeZone(cdr, cdrZone, zones);
                price = TariffPricer.Price(tariff.Compiled, cdr, timeZone) with { TimeZone = timeZone.Id, TimeZoneNote = note };
                check = CdrPriceCheck.IsMismatch(price, cdr.TotalCost, tolerance, cdr.Credit == true) ? PriceCheck.Mismatch : PriceCheck.Matched;
            }

            pending.Add((i, new StoredCdr
            {
                Cpo = cpo,
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
                HubPriceJson = price is null ? null : SerializeBreakdown(price),
                ReceivedAt = now,
                OcpiJson = documents[i],
            }, price));
        }

        await CheckCreditReferencesAsync(cpo, pending, results, cancellationToken);
        var toStore = pending.ConvertAll(p => p.Cdr);
        var inserted = toStore.Count == 0 ? new HashSet<string>() : await _store.InsertAsync(cpo, toStore, cancellationToken);

        int accepted = 0, duplicates = 0, mismatches = 0;
        PartyKey? rung = null;
        foreach (var (index, stored, price) in pending)
        {
            if (inserted.Contains(stored.Id))
            {
                accepted++;
                if (rung != stored.Emsp)
                {
                    // Durable now: ring the EMSP's feed (one-way; subscribers on any silo read from the store).
                    // A batch mostly holds one EMSP's CDRs; a repeated ring is coalesced by the subscribers.
                    rung = stored.Emsp;
                    _ = _grains.GetGrain<ICdrFeedGrain>(stored.Emsp.ToString()).Notify();
                }

                if (stored.PriceCheck == PriceCheck.Mismatch)
                {
                    mismatches++;
                    LogPriceMismatch(_logger, cpo.ToString(), stored.Id, stored.TotalCostExclVat, price!.Total.ExclVat, stored.Currency);
                }

                results[index] = new CdrResult(index, stored.Id, CdrOutcome.Accepted, [], stored.PriceCheck, price?.Total, stored.Currency, price?.TimeZone, price?.TimeZoneNote);
            }
            else
            {
                duplicates++;
                results[index] = new CdrResult(index, stored.Id, CdrOutcome.Duplicate, [], null, null, stored.Currency);
            }
        }

        foreach (var (index, id, first) in repeats)
        {
            if (results[first]!.Outcome == CdrOutcome.Rejected)
            {
                results[index] = results[first]! with { Index = index };
            }
            else
            {
                duplicates++;
                results[index] = new CdrResult(index, id, CdrOutcome.Duplicate, [], null, null, results[first]!.Currency);
            }
        }

        var rejected = documents.Count - accepted - duplicates;
        Record(accepted, "accepted");
        Record(duplicates, "duplicate");
        Record(rejected, "rejected");
        Record(mismatches, "mismatch");
        _batchSeconds.Record(_clock.Time.GetElapsedTime(started).TotalSeconds);
        LogBatch(_logger, cpo.ToString(), documents.Count, accepted, duplicates, rejected);
        return results!;
    }

    private async Task CheckCreditReferencesAsync(PartyKey cpo, List<(int Index, StoredCdr Cdr, PricingResult? Price)> pending, CdrResult?[] results, CancellationToken cancellationToken)
    {
        HashSet<string>? references = null;
        foreach (var p in pending)
        {
            if (p.Cdr.Credit)
            {
                (references ??= new(StringComparer.Ordinal)).Add(p.Cdr.CreditReferenceId!);
            }
        }

        if (references is null)
        {
            return;
        }

        var inBatch = pending.Where(p => !p.Cdr.Credit).Select(p => p.Cdr.Id).ToHashSet(StringComparer.Ordinal);
        references.ExceptWith(inBatch);
        var stored = references.Count == 0 ? new HashSet<string>() : await _store.FindExistingAsync(cpo, references, cancellationToken);
        pending.RemoveAll(p =>
        {
            if (!p.Cdr.Credit || inBatch.Contains(p.Cdr.CreditReferenceId!) || stored.Contains(p.Cdr.CreditReferenceId!))
            {
                return false;
            }

            results[p.Index] = Reject(p.Index, p.Cdr.Id, [new("credit_reference_id", $"'{p.Cdr.CreditReferenceId}' is not a CDR {cpo} has submitted.")]);
            return true;
        });
    }

    private void Record(int count, string outcome)
    {
        if (count > 0)
        {
            _cdrs.Add(count, new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    private static string TariffField(Cdr cdr, string id)
    {
        for (var i = 0; i < cdr.ChargingPeriods.Count; i++)
        {
            if (cdr.ChargingPeriods[i].TariffId == id)
            {
                return $"charging_periods[{i}].tariff_id";
            }
        }

        for (var i = 0; i < cdr.Tariffs.Count; i++)
        {
            if (cdr.Tariffs[i].Id == id)
            {
                return $"tariffs[{i}].id";
            }
        }

        return "tariffs";
    }

    /// <summary>
    /// The zone a CDR is priced in: its location's, as the hub knows it; else the CDR's own
    /// <c>cdr_location.time_zone</c>; else UTC. The note says which, and why.
    /// </summary>
    private static (TimeZoneInfo Zone, string Note) ChooseTimeZone(Cdr cdr, TimeZoneInfo? cdrZone, Dictionary<string, string?> zones) =>
        ChooseTimeZone(cdr.CdrLocation?.Id, cdrZone, zones);

    private static (TimeZoneInfo Zone, string Note) ChooseTimeZone(string? locationId, TimeZoneInfo? cdrZone, Dictionary<string, string?> zones)
    {
        string why;
        if (string.IsNullOrEmpty(locationId))
        {
            if (cdrZone is null)
            {
                return (TimeZoneInfo.Utc, NoLocationNoZoneNote); // the common case of a bare CDR: no string built per CDR
            }

            why = "the CDR names no location (cdr_location.id)";
        }
        else if (!zones.TryGetValue(locationId, out var held) || held is null)
        {
            why = $"location '{locationId}' is not known to the hub";
        }
        else if (held.Length > 0 && FindTimeZone(held) is { } zone)
        {
            return (zone, cdrZone is null || cdrZone.Id == zone.Id
                ? $"time zone of location '{locationId}' as published by the CPO"
                : $"time zone of location '{locationId}' as published by the CPO; the CDR's cdr_location.time_zone '{cdrZone.Id}' is not used");
        }
        else
        {
            why = held.Length == 0 ? $"location '{locationId}' has no time_zone" : $"the time_zone '{held}' of location '{locationId}' is unknown here";
        }

        return cdrZone is not null
            ? (cdrZone, $"{why}: priced in the CDR's cdr_location.time_zone")
            : (TimeZoneInfo.Utc, $"{why} and the CDR carries no cdr_location.time_zone: priced in UTC");
    }

    private const string NoLocationNoZoneNote = "the CDR names no location (cdr_location.id) and carries no cdr_location.time_zone: priced in UTC";

    private static TimeZoneInfo? FindTimeZone(string id) => TimeZones.GetOrAdd(id, static z =>
        TimeZoneInfo.TryFindSystemTimeZoneById(z, out var zone) ? zone : null);

    private static CdrResult Reject(int index, string? id, IReadOnlyList<CdrValidationError> reasons) =>
        new(index, id, CdrOutcome.Rejected, reasons, null, null, "");

    private readonly record struct ValidCdr(int Index, Cdr Cdr, PartyKey Emsp, CatalogTariff? Tariff, TimeZoneInfo? CdrZone);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Debug, Message = "CDR batch of {Cpo}: {Count} submitted, {Accepted} accepted, {Duplicates} duplicate, {Rejected} rejected")]
    private static partial void LogBatch(ILogger logger, string cpo, int count, int accepted, int duplicates, int rejected);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "CDR {CdrId} of {Cpo} flagged: declared total_cost {Declared}, hub price {HubPrice} {Currency} (excl. VAT)")]
    private static partial void LogPriceMismatch(ILogger logger, string cpo, string cdrId, decimal declared, decimal hubPrice, string currency);
}
