using System.Text.Json;
using ClearingHouse.Grains;
using ClearingHouse.Ocpi.Credentials;
using ClearingHouse.Ocpi.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Ocpi.Transport;

/// <summary>
/// The transport rules of every OCPI endpoint, in one place: request and correlation ids, the body size bound, the
/// credentials token (TOKEN_A only where registration allows it), the routing headers checked against the caller,
/// and every exception turned into the OCPI envelope by <see cref="OcpiErrors"/>. Endpoints only map and call the core.
/// </summary>
public sealed partial class OcpiMiddleware(
    RequestDelegate next,
    OcpiAuthenticator authenticator,
    HubClock clock,
    IOptions<OcpiOptions> options,
    ILogger<OcpiMiddleware> logger)
{
    /// <summary>The request header that identifies one request (a new one on each hop).</summary>
    public const string RequestIdHeader = "X-Request-ID";

    /// <summary>The request header that identifies a whole exchange across hops (kept as received).</summary>
    public const string CorrelationIdHeader = "X-Correlation-ID";

    /// <summary>Handles one request: an OCPI endpoint's here, any other (every gRPC call) straight to the next part.</summary>
    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var endpoint = context.GetEndpoint();

        // Not async for the others: every gRPC call passes here, and an async frame per call was measurable on
        // Authorize (issue 18's profile: ~190 B and a state machine per call).
        return endpoint?.Metadata.GetMetadata<OcpiEndpointMetadata>() is null ? next(context) : InvokeOcpiAsync(context, endpoint);
    }

    private async Task InvokeOcpiAsync(HttpContext context, Endpoint endpoint)
    {
        // OCPI is served on its own port only (its paths are not part of the gRPC or metrics endpoints).
        if (context.Connection.LocalPort != options.Value.Port && context.Connection.LocalPort != options.Value.H2cPort)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var request = context.Request;
        var requestId = Header(request, RequestIdHeader) ?? Guid.NewGuid().ToString();
        var correlationId = Header(request, CorrelationIdHeader) ?? Guid.NewGuid().ToString();
        context.Response.Headers[RequestIdHeader] = requestId;
        context.Response.Headers[CorrelationIdHeader] = correlationId;
        var unknownObjectCode = endpoint.Metadata.GetMetadata<UnknownObjectCodeMetadata>()?.Code ?? OcpiStatus.UnknownLocation;
        try
        {
            LimitBody(context);
            var caller = await authenticator.AuthenticateAsync(request.Headers.Authorization);
            if (caller.Kind == OcpiTokenKind.Registration && endpoint.Metadata.GetMetadata<AllowsRegistrationTokenMetadata>() is null)
            {
                throw new OcpiException(401, OcpiStatus.ClientError, "a registration token (TOKEN_A) may only call versions and credentials; register first");
            }

            CheckRouting(request, caller, endpoint.Metadata.GetMetadata<RoutesToNamedPartyMetadata>() is not null);
            context.Items[typeof(OcpiRequest)] = new OcpiRequest(caller, requestId, correlationId);
            Outbound.OcpiCorrelation.Current = correlationId;
            await next(context);
        }
        catch (Exception ex) when (context.RequestAborted.IsCancellationRequested && ex is OperationCanceledException or IOException)
        {
            // The client went away (gave up, reset the connection): a normal disconnect, not the hub's defect, and there
            // is nobody left to answer. One debug line, no stack.
            LogClientGone(logger, request.Method, request.Path, requestId);
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            var mapped = OcpiErrors.Map(ex, unknownObjectCode);
            if (mapped is null)
            {
                LogDefect(logger, request.Method, request.Path, requestId, ex);
            }

            var (http, code, message) = mapped ?? (500, OcpiStatus.ServerError, "internal error");
            context.Response.Clear();
            context.Response.Headers[RequestIdHeader] = requestId;
            context.Response.Headers[CorrelationIdHeader] = correlationId;
            context.Response.StatusCode = http;
            context.Response.ContentType = "application/json";
            await JsonSerializer.SerializeAsync(context.Response.Body, new OcpiResponse(null, code, message, clock.UtcNow), OcpiJson.Options, context.RequestAborted);
        }
    }

    private static string? Header(HttpRequest request, string name) =>
        request.Headers[name].ToString() is { Length: > 0 and <= 100 } value ? value : null;

    private void LimitBody(HttpContext context)
    {
        var max = options.Value.MaxRequestBodyBytes;
        if (context.Request.ContentLength > max)
        {
            throw new OcpiException(413, OcpiStatus.ClientError, $"the request body is larger than {max} bytes");
        }

        // A body without a length (chunked) is cut at the same bound while it is read.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = max;
        }
    }

    // A party can never speak for another: the OCPI-from-* headers must name the caller; OCPI-to-* must name the hub
    // or a party the hub knows. Checked before the endpoint runs, so nothing is routed or applied on a refusal.
    private void CheckRouting(HttpRequest request, OcpiCaller caller, bool routesToNamedParty)
    {
        var fromCountry = request.Headers["OCPI-from-country-code"].ToString();
        var fromParty = request.Headers["OCPI-from-party-id"].ToString();
        if (fromCountry.Length > 0 || fromParty.Length > 0)
        {
            var party = caller.Party;
            if (!string.Equals(fromCountry, party.CountryCode, StringComparison.OrdinalIgnoreCase)
                || !string.Equals(fromParty, party.PartyId, StringComparison.OrdinalIgnoreCase))
            {
                throw new OcpiException(403, OcpiStatus.InvalidParameters,
                    $"OCPI-from-country-code/OCPI-from-party-id name {Shown(fromCountry)}/{Shown(fromParty)}, but the credentials token is {party.CountryCode}/{party.PartyId}'s");
            }
        }

        var toCountry = request.Headers["OCPI-to-country-code"].ToString();
        var toParty = request.Headers["OCPI-to-party-id"].ToString();
        if ((toCountry.Length > 0) != (toParty.Length > 0))
        {
            throw new OcpiException(400, OcpiStatus.InvalidParameters, "OCPI-to-country-code and OCPI-to-party-id come together");
        }

        if (toCountry.Length > 0
            && !routesToNamedParty
            && !(string.Equals(toCountry, options.Value.CountryCode, StringComparison.OrdinalIgnoreCase)
                && string.Equals(toParty, options.Value.PartyId, StringComparison.OrdinalIgnoreCase))
            && !(string.Equals(toCountry, caller.Party.CountryCode, StringComparison.OrdinalIgnoreCase)
                && string.Equals(toParty, caller.Party.PartyId, StringComparison.OrdinalIgnoreCase)))
        {
            // Only the endpoints marked RoutesToNamedPartyMetadata (commands) go on to a named party; the others end at the hub.
            throw new OcpiException(404, OcpiStatus.UnknownReceiver,
                $"OCPI-to-country-code/OCPI-to-party-id {Shown(toCountry)}/{Shown(toParty)}: this hub routes no request to a named party yet; address the hub ({options.Value.CountryCode}/{options.Value.PartyId})");
        }
    }

    private static string Shown(string value) => value.Length is 0 ? "(none)" : value.Length > 8 ? value[..8] + "..." : value;

    [LoggerMessage(EventId = 9504, Level = LogLevel.Debug, Message = "OCPI {Method} {Path} (request {RequestId}): the client went away before the answer")]
    private static partial void LogClientGone(ILogger logger, string method, string path, string requestId);

    [LoggerMessage(EventId = 9500, Level = LogLevel.Error, Message = "OCPI {Method} {Path} (request {RequestId}) failed")]
    private static partial void LogDefect(ILogger logger, string method, string path, string requestId, Exception exception);
}

/// <summary>What the OCPI middleware established about a request.</summary>
/// <param name="Caller">The authenticated caller.</param>
/// <param name="RequestId">The request's X-Request-ID.</param>
/// <param name="CorrelationId">The exchange's X-Correlation-ID.</param>
public sealed record OcpiRequest(OcpiCaller Caller, string RequestId, string CorrelationId);

/// <summary>Reads what the OCPI middleware put on the request.</summary>
public static class OcpiRequestExtensions
{
    /// <summary>The OCPI request of an OCPI endpoint.</summary>
    public static OcpiRequest Ocpi(this HttpContext context) =>
        context?.Items[typeof(OcpiRequest)] as OcpiRequest
        ?? throw new InvalidOperationException("not an OCPI endpoint: the OCPI middleware did not run");
}
