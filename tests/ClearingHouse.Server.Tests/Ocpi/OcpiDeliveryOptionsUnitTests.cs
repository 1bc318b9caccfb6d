using ClearingHouse.Ocpi.Outbound;

namespace ClearingHouse.Server.Tests.Ocpi;

/// <summary>The <c>Ocpi:Delivery:*</c> settings: the defaults are valid, a setting out of range is refused naming it.</summary>
public sealed class OcpiDeliveryOptionsUnitTests
{
    [Fact]
    public void Defaults_Valid()
    {
        Assert.True(new OcpiDeliveryOptionsValidator().Validate(null, new OcpiDeliveryOptions()).Succeeded);
    }

    [Theory]
    [InlineData(0.05, 300, 12, 10_000, "Ocpi:Delivery:RetryBase")]
    [InlineData(2, 1, 12, 10_000, "Ocpi:Delivery:RetryMax")]
    [InlineData(2, 300, 0, 10_000, "Ocpi:Delivery:MaxAttempts")]
    [InlineData(2, 300, 12, 5, "Ocpi:Delivery:MaxQueued")]
    public void Validate_Rejects_OutOfRange(double retryBaseSeconds, double retryMaxSeconds, int maxAttempts, int maxQueued, string named)
    {
        var options = new OcpiDeliveryOptions
        {
            RetryBase = TimeSpan.FromSeconds(retryBaseSeconds),
            RetryMax = TimeSpan.FromSeconds(retryMaxSeconds),
            MaxAttempts = maxAttempts,
            MaxQueued = maxQueued,
        };

        var result = new OcpiDeliveryOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(named, result.FailureMessage, StringComparison.Ordinal);
    }
}
