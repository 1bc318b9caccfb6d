using Microsoft.Extensions.Options;

namespace ClearingHouse.Server.Telemetry;

/// <summary>Fails start-up on a <see cref="TelemetryOptions"/> setting that cannot work, naming it.</summary>
public sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.OtlpEndpoint is { } endpoint && (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add("Telemetry:OtlpEndpoint must be an absolute http:// or https:// URL");
        }

        if (options.OtlpProtocol is not ("Grpc" or "HttpProtobuf"))
        {
            failures.Add("Telemetry:OtlpProtocol must be Grpc or HttpProtobuf");
        }

        if (double.IsNaN(options.SamplingRatio) || options.SamplingRatio is < 0 or > 1)
        {
            failures.Add("Telemetry:SamplingRatio must be between 0 and 1");
        }

        if (string.IsNullOrWhiteSpace(options.ServiceName))
        {
            failures.Add("Telemetry:ServiceName must not be empty");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
