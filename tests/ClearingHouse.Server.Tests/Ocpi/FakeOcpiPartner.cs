using System.Collections.Concurrent;
using System.Net;
using System.Text;
using ClearingHouse.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ClearingHouse.Server.Tests.Ocpi;

/// <summary>
/// An OCPI partner platform written from the spec, as a real Kestrel server on 127.0.0.1: its versions and 2.2.1
/// details (credentials, locations, tokens), answered only to its own TOKEN_B; or, by <see cref="Mode"/>, the
/// misbehaviours the hub must not trust (a redirect, garbage, a hang).
/// </summary>
public sealed class FakeOcpiPartner : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeOcpiPartner(WebApplication app, Uri address, string tokenB)
    {
        _app = app;
        Address = address;
        TokenB = tokenB;
    }

    /// <summary>How the partner answers its versions endpoint.</summary>
    public enum Behaviour
    {
        /// <summary>As the spec says.</summary>
        Normal,

        /// <summary>A 302 to another host.</summary>
        Redirect,

        /// <summary>200 with a body that is not JSON.</summary>
        Garbage,

        /// <summary>Never answers.</summary>
        Hang,
    }

    /// <summary>The partner's base address.</summary>
    public Uri Address { get; }

    /// <summary>The partner's versions URL.</summary>
    public string VersionsUrl => new Uri(Address, "/ocpi/versions").ToString();

    /// <summary>The token the partner expects from the hub.</summary>
    public string TokenB { get; }

    /// <summary>How it answers now.</summary>
    public Behaviour Mode { get; set; }

    /// <summary>Every request it received: method, path and the Authorization header.</summary>
    public ConcurrentQueue<(string Method, string Path, string? Authorization)> Requests { get; } = new();

    /// <summary>Starts a partner on a free port.</summary>
    public static async Task<FakeOcpiPartner> StartAsync()
    {
        var port = HubHost.FreePort();
        var tokenB = "partner-token-" + Guid.NewGuid().ToString("N");
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var address = new Uri($"http://127.0.0.1:{port}");
        var partner = new FakeOcpiPartner(app, address, tokenB);
        var expected = "Token " + Convert.ToBase64String(Encoding.UTF8.GetBytes(tokenB));
        app.Use(async (context, next) =>
        {
            partner.Requests.Enqueue((context.Request.Method, context.Request.Path, context.Request.Headers.Authorization.ToString()));
            if (context.Request.Headers.Authorization != expected)
            {
                context.Response.StatusCode = 401;
                await context.Response.WriteAsync("""{"status_code":2000,"status_message":"unknown token","timestamp":"2026-01-01T00:00:00Z"}""");
                return;
            }

            await next(context);
        });
        app.MapGet("/ocpi/versions", async context =>
        {
            switch (partner.Mode)
            {
                case Behaviour.Redirect:
                    context.Response.Redirect("http://127.0.0.1:1/elsewhere");
                    return;
                case Behaviour.Garbage:
                    await context.Response.WriteAsync("<html>not ocpi</html>");
                    return;
                case Behaviour.Hang:
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                    return;
            }

            await Envelope(context, $$"""[{"version":"2.1.1","url":"{{address}}ocpi/2.1.1"},{"version":"2.2.1","url":"{{address}}ocpi/2.2.1"}]""");
        });
        app.MapGet("/ocpi/2.2.1", context => Envelope(context, $$"""
            {"version":"2.2.1","endpoints":[
              {"identifier":"credentials","role":"SENDER","url":"{{address}}ocpi/2.2.1/credentials"},
              {"identifier":"locations","role":"RECEIVER","url":"{{address}}ocpi/2.2.1/locations"},
              {"identifier":"tokens","role":"SENDER","url":"{{address}}ocpi/2.2.1/tokens"}]}
            """));
        await app.StartAsync();
        return partner;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _app.StopAsync(cts.Token);
        await _app.DisposeAsync();
    }

    private static Task Envelope(HttpContext context, string data)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync($$"""{"data":{{data}},"status_code":1000,"timestamp":"2026-01-01T00:00:00Z"}""");
    }
}
