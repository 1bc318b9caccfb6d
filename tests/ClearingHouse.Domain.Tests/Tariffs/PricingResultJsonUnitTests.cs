using System.Text.Json;
using System.Text.Json.Serialization;
using ClearingHouse.Domain.Cdrs;
using ClearingHouse.Domain.Tariffs;

namespace ClearingHouse.Domain.Tests.Tariffs;

public sealed class PricingResultJsonUnitTests
{
    private static readonly JsonSerializerOptions Reflection = new(OcpiJson.Options) { DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    public static TheoryData<PricingResult> Results() => new()
    {
        new PricingResult
        {
            Currency = "EUR",
            Energy = new(12m, 12.000m, new(3.00m, 3.6300m)),
            Time = new(1.5m, 1.50m, new(1.80m, 2.178m)),
            ParkingTime = default,
            Flat = new(1m, 1m, new(0.50m, 0.605m)),
            Reservation = new(0.25m, 0.25m, new(-0.10m, -0.121m)),
            TotalTime = 1.5m,
            Subtotal = new(5.30m, 6.413m),
            Total = new(5.30m, 6.413m),
            MinPriceApplied = false,
            MaxPriceApplied = true,
            ReservationExpired = true,
        },
        new PricingResult
        {
            Currency = "EUR",
            Energy = new(1.2m, 1.2m, new(0.30m, 0.33m)),
            Time = default,
            ParkingTime = default,
            Flat = default,
            Reservation = default,
            TotalTime = 1m,
            Subtotal = new(0.30m, 0.33m),
            Total = new(0.50m, 0.55m),
            MinPriceApplied = true,
            MaxPriceApplied = false,
            ReservationExpired = false,
            ExclVatKnown = false,
            TimeZone = "Asia/Tokyo",
            TimeZoneNote = "time zone of location \"LOC1\" <as published>",
        },
    };

    [Theory]
    [MemberData(nameof(Results))]
    public void Serialize_AnyResult_SameTextAsJsonSerializerAndReadsBack(PricingResult result)
    {
        var text = PricingResultJson.Serialize(result);

        Assert.Equal(JsonSerializer.Serialize(result, Reflection), text);
        Assert.Equal(result, JsonSerializer.Deserialize<PricingResult>(text, Reflection));
        Assert.Equal(text, PricingResultJson.Serialize(result)); // the reused buffer starts clean
        Assert.Equal(result, PricingResultJson.Deserialize(text));
    }

    [Fact]
    public void Deserialize_ReflectionTextWithUnknownProperty_SameResult()
    {
        var result = (PricingResult)((IEnumerable<object[]>)Results()).First()[0];
        var text = JsonSerializer.Serialize(result, Reflection).Replace("{\"currency\"", "{\"later\":{\"a\":[1,2]},\"currency\"", StringComparison.Ordinal);

        Assert.Equal(result, PricingResultJson.Deserialize(text));
        Assert.Null(PricingResultJson.Deserialize(null));
        var stored = text.Replace(",\"excl_vat_known\":true,\"incl_vat_known\":true", "", StringComparison.Ordinal);
        Assert.NotEqual(text, stored);
        Assert.Equal(result, PricingResultJson.Deserialize(stored)); // a breakdown stored before the flags existed reads as known
    }

    // The writer's fast paths (64-bit decimals, plain ASCII strings, a repeated instant) against the framework's text.
    [Fact]
    public void Serialize_DecimalsOfEveryScaleSignAndSize_SameTextAsJsonSerializer()
    {
        var random = new Random(20261208);
        decimal Any()
        {
            var kind = random.Next(6);
            var hi = kind == 0 ? random.Next() : 0; // 96-bit digits now and then
            var mid = kind <= 1 ? random.Next() : kind == 2 ? random.Next(3) : 0;
            var lo = kind == 5 ? 0 : random.Next();
            return new decimal(lo, mid, hi, random.Next(3) == 0, (byte)random.Next(29));
        }

        DimensionCharge Charge() => new(Any(), Any(), new(Any(), Any()));
        for (var i = 0; i < 400; i++)
        {
            var result = new PricingResult
            {
                Currency = "EUR",
                Energy = Charge(),
                Time = Charge(),
                ParkingTime = Charge(),
                Flat = Charge(),
                Reservation = Charge(),
                TotalTime = Any(),
                Subtotal = new(Any(), Any()),
                Total = new(-0.00m, new decimal(0, 0, 0, true, 3)), // negative zeros
                MinPriceApplied = false,
                MaxPriceApplied = false,
                ReservationExpired = false,
            };

            Assert.Equal(JsonSerializer.Serialize(result, Reflection), PricingResultJson.Serialize(result));
        }
    }

    [Fact]
    public void Serialize_StringsThatNeedEscaping_SameTextAsJsonSerializer()
    {
        var ascii = new string(Enumerable.Range(0, 128).Select(c => (char)c).ToArray());
        foreach (var note in new[] { ascii, "Zürich, 東京 and 🚗", "line\u2028separator", "", "plain note: priced in UTC" })
        {
            var result = (PricingResult)((IEnumerable<object[]>)Results()).First()[0] with { TimeZone = "Europe/Zürich", TimeZoneNote = note };

            Assert.Equal(JsonSerializer.Serialize(result, Reflection), PricingResultJson.Serialize(result));
            Assert.Equal(result, PricingResultJson.Deserialize(PricingResultJson.Serialize(result)));
        }
    }

    [Fact]
    public void Serialize_ChecksWithInstantsAndDifferences_SameTextAsJsonSerializer()
    {
        DateTimeOffset?[] instants =
        [
            new DateTimeOffset(2026, 12, 8, 2, 18, 34, TimeSpan.Zero).AddTicks(2476024),
            new DateTimeOffset(2026, 12, 8, 2, 18, 34, TimeSpan.Zero).AddTicks(2476024), // the same again
            new DateTimeOffset(2026, 11, 1, 1, 0, 0, TimeSpan.FromHours(1)), // another offset: written in UTC
            new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(5000000),
            null,
        ];
        foreach (var at in instants)
        {
            var check = new PriceCheckDetails
            {
                Verdict = PriceCheckVerdict.Mismatch,
                TariffId = "T<1>",
                TariffLastUpdated = at,
                TariffVersionNote = "the current version was in force when the session started",
                Note = at is null ? "tariff 'T<1>' \"quoted\"" : null,
                Differences =
                [
                    new(CdrComponent.TotalCost, AmountBasis.ExclVat, 4.70m, 5.3000m, 0.01m),
                    new(CdrComponent.TotalEnergy, AmountBasis.Volume, -12m, 79228162514264337593543950335m, 0.001m),
                ],
            };
            var expected = JsonSerializer.Serialize(new
            {
                check = new
                {
                    verdict = 2,
                    tariff_id = check.TariffId,
                    tariff_last_updated = at?.ToUniversalTime(),
                    tariff_version_note = check.TariffVersionNote,
                    note = check.Note,
                    differences = check.Differences.Select(d => new { component = (int)d.Component, basis = (int)d.Basis, declared = d.Declared, hub = d.Hub, tolerance = d.Tolerance }),
                },
            });

            var text = PricingResultJson.Serialize(null, check);

            Assert.Equal(at is null ? expected.Replace("\"tariff_last_updated\":null,", "", StringComparison.Ordinal) : expected, text);
            Assert.Equal(check.Differences, PricingResultJson.DeserializeCheck(text)!.Differences);
        }
    }
}
