using BenchmarkDotNet.Attributes;
using ClearingHouse.Domain.Cdrs;
using ClearingHouse.Domain.Tariffs;

namespace ClearingHouse.Benchmarks.Cdrs;

/// <summary>
/// The stored price breakdown on the CDR ingest hot path (cdr-flood, docs/performance.md): writing one breakdown with
/// the hub's check beside it, the breakdown alone (what ingest stored before issue 19), reading one back, and the
/// pricing step of one batch of 200 flood CDRs as ingest runs it (check, check details, stored text), per CDR.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class BreakdownBenchmarks
{
    private const int BatchSize = 200;

    // The ingest's notes for the flood's CDRs: no location named, and a tariff published after the sessions started.
    private const string ZoneNote = "the CDR names no location (cdr_location.id) and carries no cdr_location.time_zone: priced in UTC";

    private static readonly PriceCheckOptions Options = new() { OmittedCostsCountAsZero = false };

    private CompiledTariff _tariff = null!;
    private Cdr[] _batch = null!;
    private PricingResult _price = null!;
    private PriceCheckDetails _check = null!;
    private string _stored = null!;
    private string _versionNote = null!;

    [GlobalSetup]
    public void Setup()
    {
        _tariff = CompiledTariff.Compile(OcpiJson.ReadTariff("""
            { "id": "FLOOD", "currency": "EUR", "last_updated": "2026-12-08T02:18:34.2476024Z", "elements": [ { "price_components": [
              { "type": "FLAT", "price": 0.50, "vat": 21.0, "step_size": 1 },
              { "type": "ENERGY", "price": 0.25, "vat": 21.0, "step_size": 1 },
              { "type": "TIME", "price": 1.20, "vat": 21.0, "step_size": 60 } ] } ] }
            """));
        _batch = new Cdr[BatchSize];
        for (var i = 0; i < BatchSize; i++)
        {
            _batch[i] = OcpiJson.ReadCdr(FloodCdr(i));
        }

        _versionNote = "no version the hub keeps was in force when the session started, and the CDR names none the hub keeps: the oldest it keeps (2026-12-08T02:18:34Z)";
        var result = CdrPriceCheck.Check(_tariff, _batch[0], TimeZoneInfo.Utc, Options);
        _price = result.Hub! with { TimeZone = "UTC", TimeZoneNote = ZoneNote };
        _check = Details(result);
        _stored = PricingResultJson.Serialize(_price, _check);
    }

    /// <summary>The breakdown alone, as ingest stored it before issue 19.</summary>
    [Benchmark]
    public int SerializeBreakdown() => PricingResultJson.Serialize(_price).Length;

    /// <summary>The breakdown with its check, as ingest stores it now (about 1.1 KB for a flood CDR).</summary>
    [Benchmark(Baseline = true)]
    public int SerializeBreakdownWithCheck() => PricingResultJson.Serialize(_price, _check).Length;

    /// <summary>Reading a stored breakdown and its check back (CDR feed, lists, statements).</summary>
    [Benchmark]
    public int DeserializeWithCheck() => PricingResultJson.DeserializeWithCheck(_stored).Check!.Differences.Count;

    /// <summary>
    /// Ingest's pricing of a batch, per CDR (the batch's 200 CDRs already parsed and validated): the full check, its
    /// details and the stored text, with the batch's shared notes.
    /// </summary>
    [Benchmark(OperationsPerInvoke = BatchSize)]
    public int PriceBatch()
    {
        var length = 0;
        foreach (var cdr in _batch)
        {
            var result = CdrPriceCheck.Check(_tariff, cdr, TimeZoneInfo.Utc, Options);
            var price = result.Hub! with { TimeZone = TimeZoneInfo.Utc.Id, TimeZoneNote = ZoneNote };
            length += PricingResultJson.Serialize(price, Details(result)).Length;
        }

        return length;
    }

    private PriceCheckDetails Details(CdrPriceCheckResult result) => new()
    {
        Verdict = result.Verdict,
        TariffId = "FLOOD",
        TariffLastUpdated = _tariff.Tariff.LastUpdated,
        TariffVersionNote = _versionNote,
        Differences = result.Differences,
        Note = result.Reason,
    };

    // The load tool's cdr-flood CDR (loadtests CdrTemplates): 12 kWh over 1 h, priced 4.70 / 5.687 by FLOOD.
    private static string FloodCdr(int i) =>
        "{\"id\":\"bench-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) +
        "\",\"start_date_time\":\"2026-01-13T14:30:00Z\",\"end_date_time\":\"2026-01-13T15:30:00Z\"," +
        "\"cdr_token\":{\"country_code\":\"DE\",\"party_id\":\"XYZ\",\"uid\":\"TOKEN-1\",\"type\":\"RFID\"}," +
        "\"currency\":\"EUR\",\"tariffs\":[{\"id\":\"FLOOD\",\"currency\":\"EUR\",\"elements\":[]}]," +
        "\"charging_periods\":[{\"start_date_time\":\"2026-01-13T14:30:00Z\",\"dimensions\":[{\"type\":\"ENERGY\",\"volume\":12},{\"type\":\"TIME\",\"volume\":1}]}]," +
        "\"total_cost\":{\"excl_vat\":4.7,\"incl_vat\":5.687},\"total_energy\":12,\"total_time\":1}";
}
