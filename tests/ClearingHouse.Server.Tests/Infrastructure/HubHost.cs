using System.Net;
using System.Net.Sockets;
using ClearingHouse.Domain.Credentials;
using ClearingHouse.Grains;
using ClearingHouse.Server.Hosting;
using ClearingHouse.Server.Identity;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace ClearingHouse.Server.Tests.Infrastructure;

/// <summary>
/// A real hub: the server's own wiring on Kestrel (h2c on 127.0.0.1, a free port) with a real
/// Orleans silo, reached over real gRPC. Embedded (SQLite in a folder) or Cluster (Redis + PostgreSQL).
/// </summary>
public sealed class HubHost : IHubEndpoint, IAsyncDisposable
{
    private const int LowPorts = 20_000, LowPortCount = 10_000;

    // A random start per test process, so two test processes at once rarely walk the same ports.
    private static int _nextPort = Random.Shared.Next(LowPortCount);

    private readonly WebApplication _app;
    private readonly List<GrpcChannel> _channels = [];

    private HubHost(WebApplication app, Uri address, string operatorSecret)
    {
        _app = app;
        Address = address;
        OperatorSecret = operatorSecret;
    }

    /// <summary>The hub's gRPC address.</summary>
    public Uri Address { get; }

    /// <summary>The operator's secret.</summary>
    public string OperatorSecret { get; }

    /// <summary>The server's services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Starts an Embedded hub whose data lives in <paramref name="dataDirectory"/>.</summary>
    public static Task<HubHost> StartEmbeddedAsync(string dataDirectory, FakeTimeProvider? time = null, IDictionary<string, string?>? settings = null)
    {
        var config = new Dictionary<string, string?>
        {
            ["Hub:Profile"] = "Embedded",
            ["Hub:DataDirectory"] = dataDirectory,
        };
        Merge(config, settings);
        return StartAsync(config, time, () => File.ReadAllText(Path.Combine(dataDirectory, OperatorCredential.FileName)).Trim());
    }

    /// <summary>Starts a Cluster-profile silo; silos given the same cluster id form one cluster.</summary>
    public static Task<HubHost> StartClusterAsync(string clusterId, string postgres, string operatorSecret, IDictionary<string, string?>? settings = null)
    {
        var config = new Dictionary<string, string?>
        {
            ["Hub:Profile"] = "Cluster",
            ["Silo:ClusterId"] = clusterId,
            ["Silo:ServiceId"] = clusterId,
            ["Redis:ConnectionString"] = TestServices.Redis,
            ["Storage:Postgres:ConnectionString"] = postgres,
            ["Identity:OperatorSecretSha256"] = Convert.ToHexString(CredentialSecret.HashOf(operatorSecret)),
        };
        Merge(config, settings);
        return StartAsync(config, null, () => operatorSecret);
    }

    /// <inheritdoc />
    public GrpcChannel Channel(string? secret)
    {
        var channel = CreateChannel(Address, secret);
        _channels.Add(channel);
        return channel;
    }

    /// <summary>A channel to <paramref name="address"/> that sends <paramref name="secret"/> (or nothing) as the bearer credential.</summary>
    public static GrpcChannel CreateChannel(Uri address, string? secret)
    {
        var credentials = CallCredentials.FromInterceptor((_, metadata) =>
        {
            if (secret is not null)
            {
                metadata.Add("authorization", $"Bearer {secret}");
            }

            return Task.CompletedTask;
        });
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure, credentials),
            UnsafeUseInsecureChannelCallCredentials = true,
        });
    }

    /// <summary>
    /// Waits until this silo's membership view lists <paramref name="silos"/> active silos (a silo that just joined is
    /// known to the others through the membership table and gossip a moment later; a call routed before that may get
    /// Unavailable, which a client retries). Fails with the view it saw after <paramref name="timeout"/>.
    /// </summary>
    public async Task WaitForActiveSilosAsync(int silos, TimeSpan timeout)
    {
        var membership = _app.Services.GetRequiredService<Orleans.Runtime.IClusterMembershipService>();
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var active = membership.CurrentSnapshot.Members.Values.Count(m => m.Status == Orleans.Runtime.SiloStatus.Active);
            if (active >= silos)
            {
                return;
            }

            try
            {
                await Task.Delay(100, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"after {timeout} the silo at {Address} sees {active} active silos, not {silos}: {string.Join(", ", membership.CurrentSnapshot.Members.Values.Select(m => $"{m.SiloAddress} {m.Status}"))}");
            }
        }
    }

    /// <summary>Stops the hub gracefully.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _app.StopAsync(cts.Token);
        await _app.DisposeAsync();
    }

    private static async Task<HubHost> StartAsync(Dictionary<string, string?> config, FakeTimeProvider? time, Func<string> operatorSecret)
    {
        config.TryAdd("Hub:GrpcPort", "0");
        config.TryAdd("Hub:MetricsPort", "0");
        config.TryAdd("Ocpi:Port", FreePort().ToString());
        config.TryAdd("Console:Port", FreePort().ToString());
        config.TryAdd("Silo:SiloPort", FreePort().ToString());
        config.TryAdd("Silo:GatewayPort", FreePort().ToString());

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Test", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(config);
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
        builder.AddClearingHouse();
        if (time is not null)
        {
            builder.Services.AddSingleton(new HubClock(time));
        }

        var app = builder.Build();
        app.MapClearingHouse();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await app.StartAsync(cts.Token);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new HubHost(app, new Uri(address), operatorSecret());
    }

    private static void Merge(Dictionary<string, string?> config, IDictionary<string, string?>? settings)
    {
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }
    }

    /// <summary>
    /// A TCP port free on 127.0.0.1 right now, below the kernel's ephemeral range (32768-60999 here): a port the kernel
    /// picked (port 0) is soon handed out again as the local port of some outgoing connection (a Redis or PostgreSQL
    /// client, an HTTP call), which then took it before the hub bound it (a test failed with the server's exit code 3,
    /// "address in use"). Ports in 20000-29999 (below Orleans' default gateway port 30000) are never assigned that way, and each is handed out once per test run.
    /// </summary>
    public static int FreePort()
    {
        for (var attempt = 0; attempt < LowPortCount; attempt++)
        {
            var port = LowPorts + (int)((uint)Interlocked.Increment(ref _nextPort) % LowPortCount);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken by someone else: the next one.
            }
        }

        throw new InvalidOperationException($"no free port in {LowPorts}-{LowPorts + LowPortCount - 1}");
    }
}
