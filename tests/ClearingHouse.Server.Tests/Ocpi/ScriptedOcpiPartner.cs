using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClearingHouse.Server.Tests.Ocpi;

/// <summary>
/// An OCPI partner platform as a real Kestrel server, for the hub's calls to partners: its versions and 2.2.1 details
/// (tokens SENDER, commands RECEIVER and SENDER, chargingprofiles RECEIVER, hubclientinfo RECEIVER), answered only to its TOKEN_B; every other
/// request is answered by <see cref="Handler"/> (default: 1000 with no data). Records every request with its headers
/// and body.
/// </summary>
public sealed class ScriptedOcpiPartner : IAsyncDisposable
{
    private readonly WebApplication _app;
    private string _expected;

    private ScriptedOcpiPartner(WebApplication app, string tokenB)
    {
        _app = app;
        TokenB = tokenB;
        _expected = Header(tokenB);
    }

    /// <summary>The partner's base address (set once it listens).</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>The partner's versions URL.</summary>
    public string VersionsUrl => new Uri(Address, "/ocpi/versions").ToString();

    /// <summary>The token the partner gave the hub.</summary>
    public string TokenB { get; }

    /// <summary>Answers every request but versions and details: status code, HTTP status and data (JSON) of the envelope.</summary>
    public Func<HttpContext, string, Task> Handler { get; set; } = (context, _) => Envelope(context, "null");

    /// <summary>Every request received: method, path with query, headers, body.</summary>
    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>One request as received.</summary>
    public sealed record Received(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, string Body)
    {
        /// <summary>A header's value, or null.</summary>
        public string? this[string header] => Headers.TryGetValue(header.ToUpperInvariant(), out var v) ? v : null;
    }

    /// <summary>
    /// Starts a partner on a free port; with <paramref name="receivers"/> it also publishes an EMSP's locations, sessions
    /// and cdrs RECEIVER endpoints (<c>/emsp/locations</c>, <c>/emsp/sessions</c>, <c>/emsp/cdrs</c>), to get the hub's pushes.
    /// </summary>
    public static async Task<ScriptedOcpiPartner> StartAsync(bool receivers = false)
    {
        // Port 0: the system picks the port as Kestrel binds it (a port picked first could be taken before the bind).
        var tokenB = "scripted-" + Guid.NewGuid().ToString("N");
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var partner = new ScriptedOcpiPartner(app, tokenB);
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var headers = context.Request.Headers.ToDictionary(h => h.Key.ToUpperInvariant(), h => h.Value.ToString());
            partner.Requests.Enqueue(new Received(context.Request.Method, context.Request.Path + context.Request.QueryString, headers, body));
            if (context.Request.Headers.Authorization != partner._expected)
            {
                context.Response.StatusCode = 401;
                await context.Response.WriteAsync("""{"status_code":2000,"status_message":"unknown token","timestamp":"2026-01-01T00:00:00Z"}""");
                return;
            }

            switch (context.Request.Path.Value)
            {
                case "/ocpi/versions":
                    await Envelope(context, $$"""[{"version":"2.2.1","url":"{{partner.Address}}ocpi/2.2.1"}]""");
                    return;
                case "/ocpi/2.2.1":
                    // The tokens URL ends in '/', the commands URL does not: the hub joins both the same way.
                    await Envelope(context, $$"""
                        {"version":"2.2.1","endpoints":[
                          {"identifier":"credentials","role":"SENDER","url":"{{partner.Address}}ocpi/2.2.1/credentials"},
                          {"identifier":"tokens","role":"SENDER","url":"{{partner.Address}}ocpi/2.2.1/tokens/"},
                          {"identifier":"commands","role":"RECEIVER","url":"{{partner.Address}}ocpi/2.2.1/commands"},
                          {"identifier":"commands","role":"SENDER","url":"{{partner.Address}}ocpi/2.2.1/commands/results"},
                          {"identifier":"chargingprofiles","role":"RECEIVER","url":"{{partner.Address}}ocpi/2.2.1/chargingprofiles"},
                          {"identifier":"hubclientinfo","role":"RECEIVER","url":"{{partner.Address}}ocpi/2.2.1/clientinfo"}{{partner.Receivers(receivers)}}]}
                        """);
                    return;
                default:
                    await partner.Handler(context, body);
                    return;
            }
        });
        await app.StartAsync();
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        partner.Address = new Uri(new Uri(bound).GetLeftPart(UriPartial.Authority).Replace("[::1]", "127.0.0.1", StringComparison.Ordinal) + "/");
        return partner;
    }

    // An EMSP's receiver endpoints (the sessions URL ends in '/', the others do not: the hub joins them the same way).
    private string Receivers(bool receivers) => !receivers ? "" : $$"""
        ,{"identifier":"locations","role":"RECEIVER","url":"{{Address}}emsp/locations"},
        {"identifier":"sessions","role":"RECEIVER","url":"{{Address}}emsp/sessions/"},
        {"identifier":"cdrs","role":"RECEIVER","url":"{{Address}}emsp/cdrs"}
        """;

    /// <summary>The partner now expects another token from the hub (the hub's TOKEN_B is wrong from now on).</summary>
    public void ExpectOtherToken() => _expected = Header("another-" + Guid.NewGuid().ToString("N"));

    /// <summary>The requests whose path starts with <paramref name="prefix"/>.</summary>
    public IReadOnlyList<Received> To(string prefix) => [.. Requests.Where(r => r.PathAndQuery.StartsWith(prefix, StringComparison.Ordinal))];

    /// <summary>Waits (at most 60 s) until a request to a path starting with <paramref name="prefix"/> has arrived; fails listing what did.</summary>
    public async Task<Received> WaitForAsync(string prefix, Func<Received, bool>? match = null)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < until)
        {
            if (Requests.FirstOrDefault(r => r.PathAndQuery.StartsWith(prefix, StringComparison.Ordinal) && (match?.Invoke(r) ?? true)) is { } found)
            {
                return found;
            }

            await Task.Delay(50);
        }

        throw new Xunit.Sdk.XunitException($"no request to {prefix} within 60 s; received: {string.Join(", ", Requests.Select(r => r.Method + " " + r.PathAndQuery))}");
    }

    /// <summary>Writes an OCPI envelope with <paramref name="data"/> (JSON text).</summary>
    public static Task Envelope(HttpContext context, string data, int statusCode = 1000, int http = 200)
    {
        context.Response.StatusCode = http;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync($$"""{"data":{{data}},"status_code":{{statusCode}},"timestamp":"2026-01-01T00:00:00Z"}""");
    }

    /// <summary>The credentials body a platform of <paramref name="party"/> posts to the hub.</summary>
    public string Credentials(Contracts.V1.PartyRef party) => new JsonObject
    {
        ["token"] = TokenB,
        ["url"] = VersionsUrl,
        ["roles"] = new JsonArray(new JsonObject
        {
            ["role"] = party.Role == Contracts.V1.PartyRole.Cpo ? "CPO" : "EMSP",
            ["business_details"] = new JsonObject { ["name"] = "Scripted platform" },
            ["party_id"] = party.PartyId,
            ["country_code"] = party.CountryCode,
        }),
    }.ToJsonString();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _app.StopAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            // A handler that hangs on purpose.
        }

        await _app.DisposeAsync();
    }

    private static string Header(string token) => "Token " + Convert.ToBase64String(Encoding.UTF8.GetBytes(token));
}
