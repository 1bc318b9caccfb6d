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
/// own request metrics say 200 for all of them (gRPC puts its status in the trailers). A path that is no mapped method
/// counts as <c>unknown</c>, so no caller can grow the label set.
/// </summary>
/// <remarks>
/// On the hot path (every unary call) a call costs one counter add with a tag list built at start-up (no tag
/// allocation), taken in a response-completed callback (<see cref="Track"/>), so the pipeline has no async frame of its
/// own around every call. It is a plain counter, not an observable one: several hubs in one process (the tests) each
/// have a meter of the same name, and an exporter polls only one of several observable instruments of one name, while
/// it adds up the measurements of plain ones.
/// </remarks>
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

    private readonly FrozenDictionary<string, int> _methodIndex;
    private readonly TagList[][] _tags; // [method][code]; the last method is "unknown"
    private readonly Counter<long> _calls;
    private readonly Func<object, Task> _completed;

    /// <summary>Creates the counter; every mapped method's <c>OK</c> series exists at 0 from the start.</summary>
    public GrpcCallMetrics(IMeterFactory meterFactory, EndpointDataSource endpoints)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(endpoints);
        var methods = endpoints.Endpoints
            .Select(e => e.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method.FullName)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .ToList();
        _methodIndex = methods.Select((m, i) => (m, i)).ToFrozenDictionary(x => x.m, x => x.i, StringComparer.Ordinal);
        _tags = [.. methods.Select(TagsOf), TagsOf(Unknown)];
        _completed = state =>
        {
            Count((HttpContext)state);
            return Task.CompletedTask;
        };
        _calls = meterFactory.Create(HubMetrics.MeterName).CreateCounter<long>(
            InstrumentNames.GrpcServerCalls, unit: "{call}", description: "gRPC calls answered, by method and status code");
        for (var method = 0; method < _tags.Length - 1; method++)
        {
            _calls.Add(0, _tags[method][0]);
        }
    }

    /// <summary>
    /// Counts the call of <paramref name="context"/> once its response has completed (a callback, no allocation of its own
    /// once the stream's callback list exists); not a gRPC request, nothing.
    /// </summary>
    public void Track(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (IsGrpc(context.Request.ContentType))
        {
            context.Response.OnCompleted(_completed, context);
        }
    }

    /// <summary>Counts one finished call of <paramref name="context"/> (no allocation: the path, status and tags are looked up).</summary>
    public void Count(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!IsGrpc(context.Request.ContentType))
        {
            return;
        }

        var method = context.Request.Path.Value is { } path && _methodIndex.TryGetValue(path, out var known) ? known : _tags.Length - 1;
        _calls.Add(1, _tags[method][StatusOf(context)]);
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

/// <summary>
/// Has <see cref="GrpcCallMetrics"/> count every call when its response completes (first in the pipeline, so refusals by
/// authentication count too). No async frame: it registers the callback and hands the call on.
/// </summary>
public sealed class GrpcCallMetricsMiddleware(RequestDelegate next, GrpcCallMetrics metrics)
{
    /// <summary>Registers the count, then calls the pipeline.</summary>
    public Task InvokeAsync(HttpContext context)
    {
        metrics.Track(context);
        return next(context);
    }
}
