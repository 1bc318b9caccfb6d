using ClearingHouse.Application.Diagnostics;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ClearingHouse.Server.Telemetry;

/// <summary>The hub's telemetry in one place: the Prometheus metrics, gRPC status counting, and OTLP tracing when turned on.</summary>
public static class TelemetryHosting
{
    /// <summary>ASP.NET Core's meters the hub exports: requests (<c>http_server_*</c>), connections (<c>kestrel_*</c>), exceptions.</summary>
    public static readonly string[] AspNetCoreMeters = ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Diagnostics"];

    /// <summary>Orleans' activity sources (grain calls), recorded when tracing is on.</summary>
    public static readonly IReadOnlyList<string> OrleansSources = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    /// <summary>Registers metrics (always) and tracing (when <c>Telemetry:TracingEnabled</c>); validates <c>Telemetry:*</c> now.</summary>
    public static TelemetryOptions AddClearingHouseTelemetry(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var section = builder.Configuration.GetSection(TelemetryOptions.Section);
        var options = section.Get<TelemetryOptions>() ?? new TelemetryOptions();
        var result = new TelemetryOptionsValidator().Validate(null, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(TelemetryOptions.Section, typeof(TelemetryOptions), result.Failures);
        }

        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        builder.Services.AddSingleton<GrpcCallMetrics>();
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(options.ServiceName))
            .WithMetrics(m =>
            {
                m.AddMeter(HubMetrics.MeterName);
                // ASP.NET Core's own meters, the ones README promises (http_server_*, kestrel_*) and unhandled exceptions;
                // not AddAspNetCoreInstrumentation's routing meter (a counter update per request, on the Authorize hot
                // path, for a figure no dashboard or alert reads) nor the SignalR and rate-limiting ones.
                m.AddMeter(AspNetCoreMeters);
                m.AddRuntimeInstrumentation().AddPrometheusExporter();
            });
        if (options.TracingEnabled)
        {
            otel.WithTracing(t =>
            {
                t.SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.SamplingRatio)))
                    .AddSource(HubActivities.SourceName)
                    .AddSource([.. OrleansSources])
                    // The scrape and probe endpoints are not worth a trace each.
                    .AddAspNetCoreInstrumentation(a => a.Filter = static c => c.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true)
                    .AddOtlpExporter(o =>
                    {
                        o.Protocol = options.OtlpProtocol == "HttpProtobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
                        if (options.OtlpEndpoint is { } endpoint)
                        {
                            o.Endpoint = endpoint;
                        }
                    });
            });
        }

        return options;
    }

    /// <summary>Counts every gRPC call by method and status; first in the pipeline, so refusals by authentication count too.</summary>
    public static WebApplication UseClearingHouseTelemetry(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseMiddleware<GrpcCallMetricsMiddleware>();
        return app;
    }
}
