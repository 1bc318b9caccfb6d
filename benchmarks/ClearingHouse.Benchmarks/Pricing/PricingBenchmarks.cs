using BenchmarkDotNet.Attributes;
using ClearingHouse.Domain.Tariffs;

namespace ClearingHouse.Benchmarks.Pricing;

/// <summary>
/// Re-pricing one CDR: a FLAT + ENERGY + TIME + PARKING_TIME tariff (day element restricted to 07:00-23:00
/// local, night fallback) and ten charging periods (eight charging, two parking) in Europe/Amsterdam.
/// Target: at least 200k CDRs/s on one core (5 us/op), and allocation independent of the number of periods.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class PricingBenchmarks
{
    private CompiledTariff _compiled = null!;
    private CompiledTariff _unrestricted = null!;
    private Tariff _tariff = null!;
    private ChargingPeriod[] _periods = null!;
    private DateTimeOffset _start;
    private DateTimeOffset _end;
    private TimeZoneInfo _amsterdam = null!;

    [GlobalSetup]
    public void Setup()
    {
        _amsterdam = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");
        _tariff = new Tariff
        {
            Id = "BENCH",
            Currency = "EUR",
            Elements =
            [
                new TariffElement
                {
                    Restrictions = new TariffRestrictions { StartTime = "07:00", EndTime = "23:00" },
                    PriceComponents =
                    [
                        new PriceComponent { Type = TariffDimensionType.Flat, Price = 0.50m, Vat = 21m, StepSize = 1 },
                        new PriceComponent { Type = TariffDimensionType.Energy, Price = 0.35m, Vat = 21m, StepSize = 1 },
                        new PriceComponent { Type = TariffDimensionType.Time, Price = 1.20m, Vat = 21m, StepSize = 60 },
                        new PriceComponent { Type = TariffDimensionType.ParkingTime, Price = 6.00m, Vat = 21m, StepSize = 300 },
                    ],
                },
                new TariffElement
                {
                    PriceComponents =
                    [
                        new PriceComponent { Type = TariffDimensionType.Flat, Price = 0.50m, Vat = 21m, StepSize = 1 },
                        new PriceComponent { Type = TariffDimensionType.Energy, Price = 0.25m, Vat = 21m, StepSize = 1 },
                        new PriceComponent { Type = TariffDimensionType.Time, Price = 0.60m, Vat = 21m, StepSize = 60 },
                        new PriceComponent { Type = TariffDimensionType.ParkingTime, Price = 2.00m, Vat = 21m, StepSize = 300 },
                    ],
                },
            ],
        };
        _compiled = CompiledTariff.Compile(_tariff);
        _unrestricted = CompiledTariff.Compile(_tariff with { Elements = [_tariff.Elements[1]] });

        // 21:10 UTC = 22:10 local: the session crosses 23:00 local, so both elements are used.
        _start = new DateTimeOffset(2026, 1, 14, 21, 10, 0, TimeSpan.Zero);
        _periods = new ChargingPeriod[10];
        for (var i = 0; i < 10; i++)
        {
            var charging = i < 8;
            _periods[i] = new ChargingPeriod
            {
                StartDateTime = _start.AddMinutes(i * 15),
                Dimensions = charging
                    ?
                    [
                        new CdrDimension { Type = CdrDimensionType.Energy, Volume = 2.731m },
                        new CdrDimension { Type = CdrDimensionType.Time, Volume = 0.25m },
                        new CdrDimension { Type = CdrDimensionType.MaxPower, Volume = 11.0m },
                    ]
                    : [new CdrDimension { Type = CdrDimensionType.ParkingTime, Volume = 0.2417m }],
            };
        }

        _end = _start.AddMinutes(150);
    }

    /// <summary>The target case: compiled tariff with a local-time restriction, ten periods.</summary>
    [Benchmark(Baseline = true)]
    public PricingResult TenPeriods_LocalTimeRestriction() =>
        TariffPricer.Price(_compiled, _start, _end, _periods, _amsterdam);

    /// <summary>Same periods, one unrestricted element: no time-zone conversion at all.</summary>
    [Benchmark]
    public PricingResult TenPeriods_NoRestrictions() =>
        TariffPricer.Price(_unrestricted, _start, _end, _periods, _amsterdam);

    /// <summary>Compiling the tariff per CDR, for comparison (what <see cref="TariffPricer.Price(Tariff, Cdr, TimeZoneInfo)"/> does).</summary>
    [Benchmark]
    public PricingResult TenPeriods_CompileEachTime() =>
        TariffPricer.Price(_tariff, _start, _end, _periods, _amsterdam);
}
