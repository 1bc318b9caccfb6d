using BenchmarkDotNet.Attributes;
using ClearingHouse.Domain.Cdrs;
using ClearingHouse.Domain.Tariffs;

namespace ClearingHouse.Benchmarks.Cdrs;

/// <summary>
/// The per-CDR work of ingest on the hub's hot path, without I/O: read the OCPI JSON, validate it, re-price it with a
/// compiled tariff and compare with the declared total. Ingest target: 50k CDRs/s on 2 cores including the store.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class CdrValidationBenchmarks
{
    private const string Json = """
        { "country_code": "NL", "party_id": "ABC", "id": "CDR-000001",
          "start_date_time": "2026-01-13T14:30:00Z", "end_date_time": "2026-01-13T15:30:00Z",
          "cdr_token": { "country_code": "DE", "party_id": "XYZ", "uid": "TOKEN-1", "type": "RFID" },
          "currency": "EUR", "tariffs": [ { "id": "FLOOD", "currency": "EUR", "elements": [] } ],
          "charging_periods": [ { "start_date_time": "2026-01-13T14:30:00Z", "dimensions": [ { "type": "ENERGY", "volume": 12 }, { "type": "TIME", "volume": 1 } ] } ],
          "total_cost": { "excl_vat": 4.7, "incl_vat": 5.687 }, "total_energy": 12, "total_time": 1 }
        """;

    private CompiledTariff _tariff = null!;
    private Cdr _cdr = null!;

    [GlobalSetup]
    public void Setup()
    {
        _tariff = CompiledTariff.Compile(OcpiJson.ReadTariff("""
            { "id": "FLOOD", "currency": "EUR", "elements": [ { "price_components": [
              { "type": "FLAT", "price": 0.50, "vat": 21.0, "step_size": 1 },
              { "type": "ENERGY", "price": 0.25, "vat": 21.0, "step_size": 1 },
              { "type": "TIME", "price": 1.20, "vat": 21.0, "step_size": 60 } ] } ] }
            """));
        _cdr = OcpiJson.ReadCdr(Json);
    }

    /// <summary>Content rules only (the CDR already parsed).</summary>
    [Benchmark]
    public int Validate() => CdrValidator.Validate(_cdr).Count;

    /// <summary>Everything per CDR: parse, validate, tariff ids, price, compare.</summary>
    [Benchmark(Baseline = true)]
    public bool ParseValidatePriceCompare()
    {
        var cdr = OcpiJson.ReadCdr(Json);
        if (CdrValidator.Validate(cdr).Count != 0 || CdrValidator.TariffIds(cdr).Count != 1)
        {
            return false;
        }

        var price = TariffPricer.Price(_tariff, cdr, TimeZoneInfo.Utc);
        return CdrPriceCheck.IsMismatch(price, cdr.TotalCost, 0.01m);
    }

    /// <summary>What ingest did per CDR before issue 19: parse, validate, price, compare the total, serialize the breakdown.</summary>
    [Benchmark]
    public int ParseValidatePriceCompareSerialize()
    {
        var cdr = OcpiJson.ReadCdr(Json);
        if (CdrValidator.Validate(cdr).Count != 0 || CdrValidator.TariffIds(cdr).Count != 1)
        {
            return 0;
        }

        var price = TariffPricer.Price(_tariff, cdr, TimeZoneInfo.Utc);
        return CdrPriceCheck.IsMismatch(price, cdr.TotalCost, 0.01m) ? 1 : PricingResultJson.Serialize(price).Length;
    }

    /// <summary>
    /// What ingest does per CDR since issue 19: parse, validate, the full check (validity window, price, every figure)
    /// and the stored breakdown with its check, against <see cref="ParseValidatePriceCompareSerialize"/>.
    /// </summary>
    [Benchmark]
    public int ParseValidateCheckSerialize()
    {
        var cdr = OcpiJson.ReadCdr(Json);
        if (CdrValidator.Validate(cdr).Count != 0 || CdrValidator.TariffIds(cdr).Count != 1)
        {
            return 0;
        }

        var result = CdrPriceCheck.Check(_tariff, cdr, TimeZoneInfo.Utc, Options);
        var details = new PriceCheckDetails { Verdict = result.Verdict, TariffId = "FLOOD", Differences = result.Differences };
        return PricingResultJson.Serialize(result.Hub, details).Length;
    }

    private static readonly PriceCheckOptions Options = new() { OmittedCostsCountAsZero = false };
}
