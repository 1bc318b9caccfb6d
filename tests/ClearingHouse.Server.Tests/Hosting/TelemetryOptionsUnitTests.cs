using ClearingHouse.Server.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Server.Tests.Hosting;

/// <summary>The <c>Telemetry:*</c> settings: off by default, and a setting that cannot work stops start-up naming it.</summary>
public sealed class TelemetryOptionsUnitTests
{
    [Fact]
    public void Defaults_TracingOff_Valid()
    {
        var options = new TelemetryOptions();

        Assert.False(options.TracingEnabled);
        Assert.True(new TelemetryOptionsValidator().Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData("Telemetry:SamplingRatio", "1.5", "Telemetry:SamplingRatio")]
    [InlineData("Telemetry:SamplingRatio", "-0.1", "Telemetry:SamplingRatio")]
    [InlineData("Telemetry:OtlpProtocol", "Thrift", "Telemetry:OtlpProtocol")]
    [InlineData("Telemetry:OtlpEndpoint", "ftp://collector:4317", "Telemetry:OtlpEndpoint")]
    [InlineData("Telemetry:ServiceName", " ", "Telemetry:ServiceName")]
    public void AddClearingHouseTelemetry_Rejects_SettingThatCannotWork(string key, string value, string named)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value });

        var error = Assert.Throws<OptionsValidationException>(() => builder.AddClearingHouseTelemetry());

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }
}
