using System.Text.Json;
using System.Text.Json.Nodes;
using ClearingHouse.Ocpi.Hosting;
using ClearingHouse.Ocpi.Outbound;
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
public sealed partial class OcpiPartnerClient(OcpiPartnerHttp http, OcpiMetrics metrics, ILogger<OcpiPartnerClient> logger)
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
                && Str(o["url"]) is { } url)
            {
                if (IsAllowed(url))
                {
                    endpoints.Add(new OcpiPartnerEndpoint { Identifier = id, Role = Str(o["role"])!, Url = url });
                }
                else if (http.RefusesHost(url))
                {
                    // Every endpoint the hub would call must be on an allowed host: one that is not refuses the whole
                    // registration, clearly, rather than leaving the module silently unserved.
                    throw new OcpiException(400, OcpiStatus.UnableToUseClientApi,
                        $"the {id} {Str(o["role"])} endpoint in the version details at {Shown(versionUrl)} {http.Refusal(url)}");
                }
            }
        }

        if (endpoints.Count == 0 || endpoints.Count > 100)
        {
            throw new OcpiException(400, OcpiStatus.NoMatchingEndpoints, $"the version details at {Shown(versionUrl)} list no usable endpoint");
        }

        return (versionUrl, endpoints);
    }

    /// <summary>Whether the hub may call <paramref name="url"/>: absolute https (http only with AllowInsecurePartnerUrls).</summary>
    public bool IsAllowed(string? url) => http.IsAllowed(url);

    /// <summary>Why the hub may not call <paramref name="url"/>, or null (<see cref="OcpiPartnerHttp.Refusal"/>).</summary>
    public string? Refusal(string? url) => http.Refusal(url);

    private static string? Str(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String ? (string?)node : null;

    private static string Shown(string url) => OcpiPartnerHttp.Shown(url);

    private async Task<JsonNode?> GetDataAsync(string url, string token, string what, CancellationToken cancellationToken)
    {
        OcpiPartnerAnswer answer;
        try
        {
            answer = await http.SendAsync(new OcpiPartnerCall(HttpMethod.Get, url, token, what), cancellationToken);
        }
        catch (OcpiPartnerCallException ex)
        {
            throw Refusal(what, url, ex.Message);
        }

        if (answer.Http is < 200 or >= 300)
        {
            throw Failed(what, url, $"answered HTTP {answer.Http}");
        }

        return answer.StatusCode == OcpiStatus.Success ? answer.Data : throw Failed(what, url, $"answered status_code {answer.StatusCode}");
    }

    private OcpiException Failed(string what, string url, string reason)
    {
        metrics.PartnerCallFailed(what);
        LogPartnerFailed(logger, what, Shown(url), reason);
        return Refusal(what, url, reason);
    }

    private static OcpiException Refusal(string what, string url, string reason) =>
        new(502, OcpiStatus.UnableToUseClientApi, $"the hub could not use your {what} at {Shown(url)}: it {reason}");

    [LoggerMessage(EventId = 9501, Level = LogLevel.Warning, Message = "OCPI partner {What} at {Url} failed: it {Reason}")]
    private static partial void LogPartnerFailed(ILogger logger, string what, string url, string reason);
}
