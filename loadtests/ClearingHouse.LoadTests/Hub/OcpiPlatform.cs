using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ClearingHouse.Contracts.V1;
using ClearingHouse.LoadTests.Cli;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClearingHouse.LoadTests.Hub;

/// <summary>A test party registered over OCPI: its TOKEN_C and the hub's endpoints, as the handshake gave them.</summary>
public sealed record OcpiParty(TestParty Party, string TokenC, IReadOnlyDictionary<string, string> Endpoints)
{
    /// <summary>The Authorization header value for every call of this party.</summary>
    public AuthenticationHeaderValue Authorization { get; } = OcpiHttp.Token(TokenC);

    /// <summary>The hub's URL of a module's interface (<c>locations</c>, <c>RECEIVER</c>); a set-up failure when the hub lists none.</summary>
    public string Endpoint(string module, string role) =>
        Endpoints.TryGetValue($"{module}:{role}", out var url)
            ? url.TrimEnd('/')
            : throw new LoadTestSetupException($"the hub's OCPI 2.2.1 details list no {module} {role} endpoint (it lists {string.Join(", ", Endpoints.Keys)})");
}

/// <summary>
/// The load tool as an OCPI partner platform: a Kestrel on 127.0.0.1 (a free port) serving its versions and 2.2.1
/// details, answered only to the TOKEN_Bs it handed out, and the registration handshake for test parties, performed as
/// a partner performs it (docs/ocpi.md): the operator issues a TOKEN_A (<c>OcpiAdminService.IssueTokenA</c>, what
/// <c>ocpi token-a</c> calls); with it the platform reads the hub's versions and 2.2.1 details, POSTs its credentials
/// (a new TOKEN_B, its versions URL, the party's role) and gets TOKEN_C; later calls use TOKEN_C. Disposing unregisters
/// every party (DELETE credentials) and stops the server; the hub must be started with
/// <c>--Ocpi:AllowInsecurePartnerUrls true</c> to call a plain-http platform.
/// </summary>
public sealed class OcpiPlatform : IAsyncDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, bool> _tokensB = new(StringComparer.Ordinal);
    private readonly List<OcpiParty> _registered = [];
    private readonly HttpClient _http = OcpiHttp.CreateClient(4);
    private readonly TextWriter _log;
    private readonly Uri _hub;

    private OcpiPlatform(WebApplication app, Uri hub, TextWriter log)
    {
        _app = app;
        _hub = hub;
        _log = log;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        VersionsUrl = address.TrimEnd('/') + "/ocpi/versions";
    }

    /// <summary>The platform's versions URL, given to the hub in every registration.</summary>
    public string VersionsUrl { get; }

    /// <summary>Starts the platform's server.</summary>
    public static async Task<OcpiPlatform> StartAsync(Uri hub, TextWriter log, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        OcpiPlatform? platform = null;
        app.Use(async (context, next) =>
        {
            // Only the hub, with a TOKEN_B this platform gave it, may read the platform's endpoints.
            if (!AuthenticationHeaderValue.TryParse(context.Request.Headers.Authorization, out var header) || header.Parameter is null
                || !platform!._tokensB.ContainsKey(Decode(header.Parameter)))
            {
                await Envelope(context, StatusCodes.Status401Unauthorized, 2000, null);
                return;
            }

            await next(context);
        });
        app.MapGet("/ocpi/versions", (HttpContext context) =>
            Envelope(context, 200, 1000, new JsonArray(new JsonObject { ["version"] = "2.2.1", ["url"] = Base(context) + "/ocpi/2.2.1" })));
        app.MapGet("/ocpi/2.2.1", (HttpContext context) => Envelope(context, 200, 1000, new JsonObject
        {
            ["version"] = "2.2.1",
            // A platform that only sends (pushes to the hub and asks it): its credentials endpoint is what 2.2.1 requires.
            ["endpoints"] = new JsonArray(new JsonObject { ["identifier"] = "credentials", ["role"] = "SENDER", ["url"] = Base(context) + "/ocpi/2.2.1/credentials" }),
        }));
        await app.StartAsync(cancellationToken);
        platform = new OcpiPlatform(app, hub, log);
        return platform;
    }

    /// <summary>Registers a test party over OCPI (TOKEN_A from the operator, then the partner's handshake) and returns its TOKEN_C and endpoints.</summary>
    public async Task<OcpiParty> RegisterAsync(TestParty party, string operatorCredential, CancellationToken cancellationToken)
    {
        IssueTokenAResponse tokenA;
        using (var channel = ConnectionSet.CreateChannel(_hub))
        {
            try
            {
                tokenA = await new OcpiAdminService.OcpiAdminServiceClient(channel).IssueTokenAAsync(
                    new IssueTokenARequest { Party = party.Ref }, Bearer.Headers(operatorCredential), DateTime.UtcNow + CallTimeout, cancellationToken: cancellationToken);
            }
            catch (RpcException e)
            {
                throw HubErrors.Explain(e, _hub, "OcpiAdminService.IssueTokenA (the hub's OCPI interface)");
            }
        }

        var versionsUrl = Environment.GetEnvironmentVariable("OCPI_HUB_VERSIONS_URL") is { Length: > 0 } overridden ? overridden : tokenA.VersionsUrl;
        var a = OcpiHttp.Token(tokenA.Token);
        try
        {
            var versions = await CallAsync(HttpMethod.Get, versionsUrl, a, null, "GET versions with TOKEN_A", cancellationToken) as JsonArray;
            var versionUrl = versions?.OfType<JsonObject>().FirstOrDefault(v => (string?)v["version"] == "2.2.1")?["url"]?.GetValue<string>()
                ?? throw new LoadTestSetupException($"the hub's versions at {versionsUrl} list no 2.2.1");
            var details = await CallAsync(HttpMethod.Get, versionUrl, a, null, "GET 2.2.1 details with TOKEN_A", cancellationToken);
            var endpoints = Endpoints(details);
            var credentialsUrl = endpoints.GetValueOrDefault("credentials:SENDER") ?? endpoints.GetValueOrDefault("credentials:RECEIVER")
                ?? throw new LoadTestSetupException($"the hub's 2.2.1 details at {versionUrl} list no credentials endpoint");
            var tokenB = "loadtest-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            _tokensB[tokenB] = true;
            var registered = await CallAsync(HttpMethod.Post, credentialsUrl, a, new JsonObject
            {
                ["token"] = tokenB,
                ["url"] = VersionsUrl,
                ["roles"] = new JsonArray(new JsonObject
                {
                    ["role"] = party.Ref.Role == PartyRole.Cpo ? "CPO" : "EMSP",
                    ["business_details"] = new JsonObject { ["name"] = $"load test {party}" },
                    ["party_id"] = party.Ref.PartyId,
                    ["country_code"] = party.Ref.CountryCode,
                }),
            }, "POST credentials with TOKEN_A", cancellationToken);
            var tokenC = registered?["token"]?.GetValue<string>() ?? throw new LoadTestSetupException("the hub's credentials answer has no token");
            var ocpi = new OcpiParty(party, tokenC, endpoints);
            lock (_registered)
            {
                _registered.Add(ocpi);
            }

            await _log.WriteLineAsync($"registered {party} over OCPI at {versionsUrl}");
            return ocpi;
        }
        catch (Exception e) when (OcpiHttp.IsInsecureUrlRefusal(e))
        {
            throw new LoadTestSetupException($"the hub refused the load tool's plain-http versions URL {VersionsUrl}: start the hub with --Ocpi:AllowInsecurePartnerUrls true ({e.Message})", e);
        }
        catch (Exception e) when (e is OcpiCallException or HttpRequestException or TimeoutException)
        {
            throw new LoadTestSetupException($"the OCPI handshake of {party} with the hub failed: {e.Message}", e);
        }
    }

    /// <summary>Unregisters every party it registered (best effort, bounded), then stops the server.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var party in Enumerable.Reverse(_registered))
        {
            try
            {
                await CallAsync(HttpMethod.Delete, party.Endpoint("credentials", "SENDER"), party.Authorization, null, "DELETE credentials", CancellationToken.None);
                await _log.WriteLineAsync($"clean-up: unregistered {party.Party} over OCPI");
            }
            catch (Exception e) when (e is OcpiCallException or HttpRequestException or TimeoutException or LoadTestSetupException)
            {
                await _log.WriteLineAsync($"clean-up: could not unregister {party.Party} over OCPI: {e.Message}");
            }
        }

        _http.Dispose();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }

    private Task<JsonNode?> CallAsync(HttpMethod method, string url, AuthenticationHeaderValue token, JsonNode? body, string what, CancellationToken cancellationToken) =>
        OcpiHttp.SendAsync(_http, method, url, token, body, $"{what} ({method} {url})", DateTime.UtcNow + CallTimeout, cancellationToken);

    private static Dictionary<string, string> Endpoints(JsonNode? details)
    {
        var endpoints = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in (details?["endpoints"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (e["identifier"]?.GetValue<string>() is { } id && e["role"]?.GetValue<string>() is { } role && e["url"]?.GetValue<string>() is { } url)
            {
                endpoints[$"{id}:{role}"] = url;
            }
        }

        return endpoints;
    }

    private static string Base(HttpContext context) => $"{context.Request.Scheme}://{context.Request.Host}";

    private static string Decode(string parameter)
    {
        try
        {
            return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(parameter));
        }
        catch (FormatException)
        {
            return parameter;
        }
    }

    private static Task Envelope(HttpContext context, int httpStatus, int statusCode, JsonNode? data)
    {
        context.Response.StatusCode = httpStatus;
        context.Response.ContentType = "application/json";
        var envelope = new JsonObject { ["data"] = data, ["status_code"] = statusCode, ["timestamp"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) };
        return context.Response.WriteAsync(envelope.ToJsonString());
    }
}
