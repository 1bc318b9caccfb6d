using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClearingHouse.Ocpi.Hosting;
using ClearingHouse.Ocpi.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Ocpi.Credentials;

/// <summary>
/// The hub's calls to a partner's OCPI endpoints. Nothing a partner answers is trusted: a redirect, a status other
/// than 2xx, a body over <see cref="OcpiOptions.MaxPartnerResponseBytes"/>, anything not an OCPI envelope with
/// status 1000, or no answer within <see cref="OcpiOptions.PartnerTimeout"/> is a failure, counted and logged without
/// the token.
/// </summary>
public sealed partial class OcpiPartnerClient(IHttpClientFactory clients, IOptions<OcpiOptions> options, OcpiMetrics metrics, ILogger<OcpiPartnerClient> logger)
{
    /// <summary>The name of the hub's HttpClient for partners (no redirects, bounded buffers).</summary>
    public const string ClientName = "ocpi-partner";

    /// <summary>The partner's endpoints of OCPI 2.2.1, read from its versions URL with its TOKEN_B.</summary>
    public async Task<(string VersionUrl, IReadOnlyList<OcpiPartnerEndpoint> Endpoints)> FetchEndpointsAsync(string versionsUrl, string tokenB, CancellationToken cancellationToken)
    {
        var versions = await GetDataAsync(versionsUrl, tokenB, "versions", cancellationToken);
        var versionUrl = (versions as JsonArray)?
            .Select(v => (Version: (v as JsonObject)?["version"]?.GetValueKind() == JsonValueKind.String ? (string?)v!["version"] : null, Url: (v as JsonObject)?["url"]))
            .Where(v => v.Version == Versions.OcpiVersions.Version && v.Url?.GetValueKind() == JsonValueKind.String)
            .Select(v => (string?)v.Url)
            .FirstOrDefault();
        if (versionUrl is null)
        {
            throw new OcpiException(400, OcpiStatus.UnsupportedVersion, $"the versions at {Shown(versionsUrl)} list no version {Versions.OcpiVersions.Version}");
        }

        var details = await GetDataAsync(versionUrl, tokenB, "version details", cancellationToken);
        var endpoints = new List<OcpiPartnerEndpoint>();
        foreach (var e in (details as JsonObject)?["endpoints"] as JsonArray ?? [])
        {
            if (e is JsonObject o && Str(o["identifier"]) is { Length: > 0 and <= 50 } id && Str(o["role"]) is "SENDER" or "RECEIVER"
                && Str(o["url"]) is { } url && IsAllowed(url))
            {
                endpoints.Add(new OcpiPartnerEndpoint { Identifier = id, Role = Str(o["role"])!, Url = url });
            }
        }

        if (endpoints.Count == 0 || endpoints.Count > 100)
        {
            throw new OcpiException(400, OcpiStatus.NoMatchingEndpoints, $"the version details at {Shown(versionUrl)} list no usable endpoint");
        }

        return (versionUrl, endpoints);
    }

    /// <summary>Whether the hub may call <paramref name="url"/>: absolute https (http only with AllowInsecurePartnerUrls).</summary>
    public bool IsAllowed(string? url) =>
        url is { Length: <= 255 } && Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && options.Value.AllowInsecurePartnerUrls))
        && string.IsNullOrEmpty(uri.UserInfo);

    private static string? Str(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String ? (string?)node : null;

    // Only the host and path of a partner URL appear in messages and logs (no query, which might carry a secret).
    private static string Shown(string url) => Uri.TryCreate(url, UriKind.Absolute, out var u) ? $"{u.Scheme}://{u.Authority}{u.AbsolutePath}" : "(not a URL)";

    private async Task<JsonNode?> GetDataAsync(string url, string token, string what, CancellationToken cancellationToken)
    {
        if (!IsAllowed(url))
        {
            throw Failed(what, url, options.Value.AllowInsecurePartnerUrls ? "is not an absolute http(s) URL" : "is not an absolute https URL");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.PartnerTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Authorization = AuthenticationHeaderValue.Parse(OcpiToken.Header(token));
            request.Headers.Add(OcpiMiddleware.RequestIdHeader, Guid.NewGuid().ToString());
            request.Headers.Add(OcpiMiddleware.CorrelationIdHeader, Guid.NewGuid().ToString());
            using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if ((int)response.StatusCode is >= 300 and < 400)
            {
                throw Failed(what, url, $"answered a redirect ({(int)response.StatusCode}); the hub follows none");
            }

            if (!response.IsSuccessStatusCode)
            {
                throw Failed(what, url, $"answered HTTP {(int)response.StatusCode}");
            }

            if (response.Content.Headers.ContentLength > options.Value.MaxPartnerResponseBytes)
            {
                throw Failed(what, url, "answered more than Ocpi:MaxPartnerResponseBytes");
            }

            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            var buffer = new MemoryStream();
            var chunk = new byte[8192];
            int read;
            while ((read = await body.ReadAsync(chunk, timeout.Token)) > 0)
            {
                if (buffer.Length + read > options.Value.MaxPartnerResponseBytes)
                {
                    throw Failed(what, url, "answered more than Ocpi:MaxPartnerResponseBytes");
                }

                buffer.Write(chunk, 0, read);
            }

            JsonNode? envelope;
            try
            {
                envelope = JsonNode.Parse(buffer.ToArray());
            }
            catch (JsonException)
            {
                throw Failed(what, url, "answered something that is not JSON");
            }

            if (envelope is not JsonObject o || o["status_code"]?.GetValueKind() != JsonValueKind.Number)
            {
                throw Failed(what, url, "answered JSON that is not an OCPI response");
            }

            if ((int)o["status_code"]! != OcpiStatus.Success)
            {
                throw Failed(what, url, $"answered status_code {(int)o["status_code"]!}");
            }

            return o["data"];
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Failed(what, url, $"did not answer within {options.Value.PartnerTimeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            throw Failed(what, url, $"could not be reached ({ex.HttpRequestError})");
        }
    }

    private OcpiException Failed(string what, string url, string reason)
    {
        metrics.PartnerCallFailed(what);
        LogPartnerFailed(logger, what, Shown(url), reason);
        return new OcpiException(502, OcpiStatus.UnableToUseClientApi, $"the hub could not use your {what} at {Shown(url)}: it {reason}");
    }

    [LoggerMessage(EventId = 9501, Level = LogLevel.Warning, Message = "OCPI partner {What} at {Url} failed: it {Reason}")]
    private static partial void LogPartnerFailed(ILogger logger, string what, string url, string reason);
}
