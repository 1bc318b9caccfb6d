using System.Text.Json;
using System.Text.Json.Serialization;
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
}
