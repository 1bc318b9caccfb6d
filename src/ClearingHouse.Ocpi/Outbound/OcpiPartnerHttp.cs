using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Ocpi.Credentials;
using ClearingHouse.Ocpi.Hosting;
using ClearingHouse.Ocpi.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Ocpi.Outbound;

/// <summary>One call of the hub to a partner's OCPI endpoint.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Url">The partner's URL (checked with <see cref="OcpiPartnerHttp.IsAllowed"/>).</param>
/// <param name="Token">The partner's TOKEN_B, sent in the 2.2.1 base64 form; never logged.</param>
/// <param name="What">A few fixed words naming the call, for metrics, logs and messages (<c>versions</c>, <c>authorize</c>).</param>
public sealed record OcpiPartnerCall(HttpMethod Method, string Url, string Token, string What)
{
    /// <summary>The JSON body, or null for none.</summary>
    public string? Body { get; init; }

    /// <summary>The party the call is made for (<c>OCPI-from-*</c>): the original sender the hub relays for, or the hub.</summary>
    public PartyKey? From { get; init; }

    /// <summary>The party the call is for (<c>OCPI-to-*</c>).</summary>
    public PartyKey? To { get; init; }

    /// <summary>The exchange's correlation id (kept across hops); a new one when null.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>How long to wait for the whole answer; <see cref="OcpiOptions.PartnerTimeout"/> when null.</summary>
    public TimeSpan? Timeout { get; init; }
}

/// <summary>A partner's answer: its HTTP status and the OCPI envelope it sent.</summary>
/// <param name="Http">The HTTP status (2xx or 4xx/5xx with an OCPI envelope).</param>
/// <param name="StatusCode">The envelope's <c>status_code</c>.</param>
/// <param name="Data">The envelope's <c>data</c>.</param>
/// <param name="Message">The envelope's <c>status_message</c>, cut to 200 characters.</param>
public readonly record struct OcpiPartnerAnswer(int Http, int StatusCode, JsonNode? Data, string? Message)
{
    /// <summary>Whether the partner accepted: HTTP 2xx and status 1000.</summary>
    public bool Succeeded => Http is >= 200 and < 300 && StatusCode == OcpiStatus.Success;
}

/// <summary>Why a call to a partner gave no answer the hub can use.</summary>
public enum OcpiPartnerFailure
{
    /// <summary>No connection, or the connection broke.</summary>
    Unreachable = 1,

    /// <summary>No whole answer within the call's time.</summary>
    Timeout = 2,

    /// <summary>An answer the hub does not trust: a redirect, too large, not an OCPI envelope.</summary>
    Untrusted = 3,
}

/// <summary>A call to a partner that gave no usable answer; the message names the host and path, never a token.</summary>
public sealed class OcpiPartnerCallException(OcpiPartnerFailure failure, string message) : Exception(message)
{
    /// <summary>Why.</summary>
    public OcpiPartnerFailure Failure { get; } = failure;
}

/// <summary>
/// The one way the hub calls partners (registration reads, authorization requests, pushes, command results). Nothing
/// a partner answers is trusted: a redirect, a body over <see cref="OcpiOptions.MaxPartnerResponseBytes"/>, anything
/// not an OCPI envelope, or no whole answer in time is an <see cref="OcpiPartnerCallException"/>, counted
/// (<c>clearinghouse.ocpi.partner.failures{call}</c>) and logged with the host and path only. Every call carries a new
/// <c>X-Request-ID</c>, the exchange's <c>X-Correlation-ID</c> and, when given, the routing headers.
/// </summary>
public sealed partial class OcpiPartnerHttp(
    IHttpClientFactory clients, IOptions<OcpiOptions> options, OcpiPartnerHosts hosts, OcpiMetrics metrics, ILogger<OcpiPartnerHttp> logger)
{
    /// <summary>
    /// Whether the hub may call <paramref name="url"/>: absolute https (http only with AllowInsecurePartnerUrls), no user
    /// info, on a host of <see cref="OcpiOptions.PartnerHosts"/>.
    /// </summary>
    public bool IsAllowed(string? url) => Refusal(url) is null;

    /// <summary>Why the hub may not call <paramref name="url"/> (a few words that name no secret), or null when it may.</summary>
    public string? Refusal(string? url)
    {
        if (url is not { Length: <= 255 } || !Uri.TryCreate(url, UriKind.Absolute, out var uri)
            || !(uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && options.Value.AllowInsecurePartnerUrls))
            || !string.IsNullOrEmpty(uri.UserInfo))
        {
            return options.Value.AllowInsecurePartnerUrls ? "is not an absolute http(s) URL" : "is not an absolute https URL";
        }

        return hosts.Allows(uri) ? null : $"is on host '{uri.DnsSafeHost}', not one of Ocpi:PartnerHosts ({hosts.Described})";
    }

    /// <summary>Whether <paramref name="url"/> is a URL the hub may not call only because of its host (Ocpi:PartnerHosts).</summary>
    public bool RefusesHost(string? url) =>
        url is { Length: <= 255 } && Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) && !hosts.Allows(uri);

    /// <summary>Only the host and path of a partner URL appear in messages and logs (no query, which might carry a secret).</summary>
    public static string Shown(string url) => Uri.TryCreate(url, UriKind.Absolute, out var u) ? $"{u.Scheme}://{u.Authority}{u.AbsolutePath}" : "(not a URL)";

    /// <summary>
    /// Makes <paramref name="call"/>: the partner's envelope (any HTTP status that carries one), or
    /// <see cref="OcpiPartnerCallException"/>. An OperationCanceledException only when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async Task<OcpiPartnerAnswer> SendAsync(OcpiPartnerCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (Refusal(call.Url) is { } refusal)
        {
            if (RefusesHost(call.Url))
            {
                // A registration made before the list changed, or a partner URL that slipped past: never called.
                metrics.PartnerHostRefused(call.What);
                LogHostRefused(logger, call.What, Shown(call.Url));
            }

            throw Failed(call, OcpiPartnerFailure.Untrusted, refusal);
        }

        var wait = call.Timeout ?? options.Value.PartnerTimeout;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(wait);
        try
        {
            using var request = new HttpRequestMessage(call.Method, call.Url);
            request.Headers.Authorization = AuthenticationHeaderValue.Parse(OcpiToken.Header(call.Token));
            request.Headers.Add(OcpiMiddleware.RequestIdHeader, Guid.NewGuid().ToString());
            request.Headers.Add(OcpiMiddleware.CorrelationIdHeader, call.CorrelationId ?? Guid.NewGuid().ToString());
            if (call.From is { } from)
            {
                request.Headers.Add("OCPI-from-country-code", from.CountryCode);
                request.Headers.Add("OCPI-from-party-id", from.PartyId);
            }

            if (call.To is { } to)
            {
                request.Headers.Add("OCPI-to-country-code", to.CountryCode);
                request.Headers.Add("OCPI-to-party-id", to.PartyId);
            }

            if (call.Body is { } body)
            {
                request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            }

            using var response = await clients.CreateClient(OcpiPartnerClient.ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var http = (int)response.StatusCode;
            if (http is >= 300 and < 400)
            {
                throw Failed(call, OcpiPartnerFailure.Untrusted, $"answered a redirect ({http}); the hub follows none");
            }

            var envelope = await ReadEnvelopeAsync(call, response, timeout.Token);
            if (envelope is not JsonObject o || o["status_code"]?.GetValueKind() != JsonValueKind.Number)
            {
                throw Failed(call, OcpiPartnerFailure.Untrusted, http is >= 200 and < 300 ? "answered JSON that is not an OCPI response" : $"answered HTTP {http}");
            }

            var message = o["status_message"]?.GetValueKind() == JsonValueKind.String ? (string?)o["status_message"] : null;
            return new OcpiPartnerAnswer(http, (int)o["status_code"]!, o["data"], message is { Length: > 200 } ? message[..200] : message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Failed(call, OcpiPartnerFailure.Timeout, $"did not answer within {wait.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException ex)
        {
            throw Failed(call, OcpiPartnerFailure.Unreachable, $"could not be reached ({ex.HttpRequestError})");
        }
        catch (FormatException)
        {
            // A TOKEN_B that cannot travel in a header (the registration checks it, so only a damaged record).
            throw Failed(call, OcpiPartnerFailure.Untrusted, "has a token the hub cannot send");
        }
    }

    private async Task<JsonNode?> ReadEnvelopeAsync(OcpiPartnerCall call, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var max = options.Value.MaxPartnerResponseBytes;
        if (response.Content.Headers.ContentLength > max)
        {
            throw Failed(call, OcpiPartnerFailure.Untrusted, "answered more than Ocpi:MaxPartnerResponseBytes");
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > max)
            {
                throw Failed(call, OcpiPartnerFailure.Untrusted, "answered more than Ocpi:MaxPartnerResponseBytes");
            }

            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(buffer.ToArray());
        }
        catch (JsonException)
        {
            throw Failed(call, OcpiPartnerFailure.Untrusted, (int)response.StatusCode is >= 200 and < 300 ? "answered something that is not JSON" : $"answered HTTP {(int)response.StatusCode}");
        }
    }

    private OcpiPartnerCallException Failed(OcpiPartnerCall call, OcpiPartnerFailure failure, string reason)
    {
        metrics.PartnerCallFailed(call.What);
        LogPartnerFailed(logger, call.What, Shown(call.Url), reason);
        return new OcpiPartnerCallException(failure, reason);
    }

    [LoggerMessage(EventId = 9560, Level = LogLevel.Warning, Message = "OCPI partner {What} at {Url} not called: its host is not in Ocpi:PartnerHosts")]
    private static partial void LogHostRefused(ILogger logger, string what, string url);

    [LoggerMessage(EventId = 9510, Level = LogLevel.Warning, Message = "OCPI partner {What} at {Url} failed: it {Reason}")]
    private static partial void LogPartnerFailed(ILogger logger, string what, string url, string reason);
}
