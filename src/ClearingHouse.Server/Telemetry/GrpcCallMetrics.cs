using System.Collections.Frozen;
using TagList = System.Diagnostics.TagList;
using System.Diagnostics.Metrics;
using ClearingHouse.Application.Diagnostics;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Http.Features;

namespace ClearingHouse.Server.Telemetry;

/// <summary>
/// Counts every gRPC call by method and final status (<see cref="InstrumentNames.GrpcServerCalls"/>), whoever answered
/// it: the service, the error interceptor, the authentication middleware or the guarded request parser. ASP.NET Core's
/// own request metrics say 200 for all of them (gRPC puts its status in the trailers). Tags are built once per known
/// method and code; a path that is no mapped method counts as <c>unknown</c>, so no caller can grow the label set.
/// </summary>
public sealed class GrpcCallMetrics
{
    /// <summary>google.rpc.Code's names, indexed by number.</summary>
    public static readonly IReadOnlyList<string> CodeNames =
    [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
        "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ];

    private const string Unknown = "unknown";

    private readonly Counter<long> _calls;
    private readonly FrozenDictionary<string, TagList[]> _byPath;
    private readonly TagList[] _unknown;

    /// <summary>Creates the counter; every mapped method's <c>OK</c> series exists at 0 from the start.</summary>
    public GrpcCallMetrics(IMeterFactory meterFactory, EndpointDataSource endpoints)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(endpoints);
        _calls = meterFactory.Create(HubMetrics.MeterName).CreateCounter<long>(
            InstrumentNames.GrpcServerCalls, unit: "{call}", description: "gRPC calls answered, by method and status code");
        var methods = endpoints.Endpoints
            .Select(e => e.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method.FullName)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .ToList();
        _byPath = methods.ToFrozenDictionary(m => m, TagsOf, StringComparer.Ordinal);
        _unknown = TagsOf(Unknown);
        foreach (var tags in _byPath.Values)
        {
            _calls.Add(0, tags[0]);
        }
    }

    /// <summary>Counts one finished call of <paramref name="context"/> (no allocation: the path and status are looked up).</summary>
    public void Count(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!IsGrpc(context.Request.ContentType))
        {
            return;
        }

        var tags = context.Request.Path.Value is { } path && _byPath.TryGetValue(path, out var known) ? known : _unknown;
        _calls.Add(1, tags[StatusOf(context)]);
    }

    private static bool IsGrpc(string? contentType) =>
        contentType is not null && contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);

    // The status of a normal response is in the trailers; a trailers-only answer (an error before any message) puts it
    // in the headers. No status at all (the client went away first) counts as CANCELLED.
    private static int StatusOf(HttpContext context)
    {
        var value = context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers["grpc-status"] ?? default;
        if (value.Count == 0)
        {
            value = context.Response.Headers["grpc-status"];
        }

        return value.Count > 0 && int.TryParse(value[0], out var code) && (uint)code < (uint)CodeNames.Count ? code : 1;
    }

    private static TagList[] TagsOf(string method) =>
        CodeNames.Select(code => new TagList { { "method", method.TrimStart('/') }, { "code", code } }).ToArray();
}

/// <summary>Runs <see cref="GrpcCallMetrics"/> around the rest of the pipeline (outside authentication, so refusals count).</summary>
public sealed class GrpcCallMetricsMiddleware(RequestDelegate next, GrpcCallMetrics metrics)
{
    /// <summary>Calls the pipeline, then counts the call.</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        finally
        {
            metrics.Count(context);
        }
    }
}
