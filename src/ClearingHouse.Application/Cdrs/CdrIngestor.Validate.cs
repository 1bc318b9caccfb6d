using System.Text.Json;
using ClearingHouse.Domain.Cdrs;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tariffs;
using ClearingHouse.Grains.Tariffs;

namespace ClearingHouse.Application.Cdrs;

// Ingest step 1: read and validate each CDR of the batch on its own.
public sealed partial class CdrIngestor
{
    // Parses one document; a rejection (and null) when it is not a readable OCPI CDR.
    private static Cdr? Read(CdrBatch batch, int index)
    {
        try
        {
            return OcpiJson.ReadCdr(batch.Documents[index]);
        }
        catch (JsonException ex)
        {
            batch.Results[index] = Reject(index, null, [new("", $"not a readable OCPI CDR: {ex.Message}")]);
            return null;
        }
    }

    // Whether a CDR names any tariff (CdrValidator.TariffIds would return one): the batch then needs the CPO's tariffs.
    private static bool NamesTariff(Cdr cdr)
    {
        foreach (var period in cdr.ChargingPeriods)
        {
            if (!string.IsNullOrEmpty(period.TariffId))
            {
                return true;
            }
        }

        foreach (var tariff in cdr.Tariffs)
        {
            if (!string.IsNullOrEmpty(tariff.Id))
            {
                return true;
            }
        }

        return false;
    }

    // Every problem of one CDR: the Domain's rules, the caller's ownership, the token's EMSP, the tariffs named, the
    // CDR's own time zone. A rejection (and null) when there is any. The batch holds the CPO's tariffs already when the
    // CDR names one (IngestAsync loads them once).
    private ValidCdr? Validate(CdrBatch batch, int index, Cdr cdr)
    {
        var errors = batch.Errors;
        errors.Clear();
        errors.AddRange(CdrValidator.Validate(cdr));
        CheckOwner(batch.Cpo, cdr, errors);
        var emsp = ResolveEmsp(batch, cdr, errors);
        var tariff = ResolveTariff(batch, cdr, errors);
        var cdrZone = ReadCdrTimeZone(cdr, errors);
        if (errors.Count > 0 || emsp is null)
        {
            batch.Results[index] = Reject(index, cdr.Id, [.. errors]);
            return null;
        }

        return new ValidCdr(index, cdr, emsp.Value, tariff, cdrZone);
    }

    // Keeps the first CDR of each id for storing; a later one with the same id is settled after the store.
    private static void Admit(CdrBatch batch, ValidCdr valid)
    {
        var id = valid.Cdr.Id!;
        if (batch.FirstIndexById.TryGetValue(id, out var first))
        {
            batch.Repeats.Add(new RepeatedCdr(valid.Index, id, first));
            return;
        }

        batch.FirstIndexById[id] = valid.Index;
        batch.Valid.Add(valid);
        if (valid.Tariff is not null && valid.Cdr.CdrLocation?.Id is { Length: > 0 } locationId)
        {
            (batch.LocationIds ??= new(StringComparer.Ordinal)).Add(locationId);
        }
    }

    private static void CheckOwner(PartyKey cpo, Cdr cdr, List<CdrValidationError> errors)
    {
        if (cdr.CountryCode is { Length: > 0 } cc && cc != cpo.CountryCode)
        {
            errors.Add(new("country_code", $"'{cc}' is not the caller's country code ({cpo.CountryCode})."));
        }

        if (cdr.PartyId is { Length: > 0 } pid && pid != cpo.PartyId)
        {
            errors.Add(new("party_id", $"'{pid}' is not the caller's party id ({cpo.PartyId})."));
        }
    }

    // The EMSP that issued the CDR's token, when it is registered and the access policy lets data flow to it.
    private PartyKey? ResolveEmsp(CdrBatch batch, Cdr cdr, List<CdrValidationError> errors)
    {
        if (cdr.CdrToken is not { CountryCode.Length: 2, PartyId.Length: 3 } token || errors.Exists(e => e.Field.StartsWith("cdr_token", StringComparison.Ordinal)))
        {
            return null;
        }

        var key = new PartyKey(token.CountryCode!, token.PartyId!, PartyRole.Emsp);
        if (batch.View.GetParty(key) is null)
        {
            errors.Add(new("cdr_token", $"the token's issuer {key} is not a registered EMSP."));
            return null;
        }

        if (!_policy.MayExchange(batch.View, batch.Cpo, key))
        {
            errors.Add(new("cdr_token", $"there is no active roaming agreement between {batch.Cpo} and the token's issuer {key}."));
            return null;
        }

        return key;
    }

    // The CPO's tariff the hub prices with: the one tariff the CDR names, when it is known and in the CDR's currency.
    private static CatalogTariff? ResolveTariff(CdrBatch batch, Cdr cdr, List<CdrValidationError> errors)
    {
        var tariffIds = CdrValidator.TariffIds(cdr);
        if (tariffIds.Count == 0)
        {
            return null;
        }

        var tariffs = batch.Tariffs ?? throw new InvalidOperationException("The CPO's tariffs are loaded before a CDR naming one is validated.");
        CatalogTariff? tariff = null;
        foreach (var id in tariffIds)
        {
            var found = tariffs.Find(id);
            if (found is null)
            {
                errors.Add(new(TariffField(cdr, id), $"tariff '{id}' is not a tariff of {batch.Cpo} (PutTariff it first)."));
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

        return tariff;
    }

    private static TimeZoneInfo? ReadCdrTimeZone(Cdr cdr, List<CdrValidationError> errors)
    {
        if (cdr.CdrLocation?.TimeZone is not { Length: > 0 } zoneId)
        {
            return null;
        }

        if (FindTimeZone(zoneId) is { } zone)
        {
            return zone;
        }

        errors.Add(new("cdr_location.time_zone", $"'{zoneId}' is not a known IANA time zone."));
        return null;
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
}
