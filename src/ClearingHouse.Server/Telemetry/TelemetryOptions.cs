namespace ClearingHouse.Server.Telemetry;

/// <summary>How the hub exports traces (section <c>Telemetry</c>). Metrics are always on (<c>Hub:MetricsPort</c>); tracing is off by default.</summary>
public sealed class TelemetryOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Telemetry";

    /// <summary>Export traces with OTLP (default false: no span is created or exported).</summary>
    public bool TracingEnabled { get; set; }

    /// <summary>
    /// The OTLP receiver (default: the OpenTelemetry SDK's, <c>http://localhost:4317</c> for gRPC,
    /// <c>http://localhost:4318/v1/traces</c> for HTTP). For <c>HttpProtobuf</c> give the full path, <c>.../v1/traces</c>.
    /// </summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>OTLP transport: <c>Grpc</c> (default) or <c>HttpProtobuf</c>.</summary>
    public string OtlpProtocol { get; set; } = "Grpc";

    /// <summary>Share of new traces recorded, 0..1 (default 1); a trace a caller started keeps its caller's decision.</summary>
    public double SamplingRatio { get; set; } = 1.0;

    /// <summary>The <c>service.name</c> resource attribute (default <c>clearinghouse</c>).</summary>
    public string ServiceName { get; set; } = "clearinghouse";
}
