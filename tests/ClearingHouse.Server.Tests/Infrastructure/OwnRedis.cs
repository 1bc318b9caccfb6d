using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace ClearingHouse.Server.Tests.Infrastructure;

/// <summary>
/// A redis-server of one test's own, on a free port, without persistence, that the test can freeze (SIGSTOP),
/// thaw and kill: for outage tests that must not touch the shared test Redis.
/// </summary>
public sealed class OwnRedis : IAsyncDisposable
{
    private readonly Process _process;
    private bool _paused;

    private OwnRedis(Process process, int port)
    {
        _process = process;
        Port = port;
        Address = $"127.0.0.1:{port}";
    }

    /// <summary>host:port, as a StackExchange.Redis configuration string.</summary>
    public string Address { get; }

    /// <summary>The port the server listens on.</summary>
    public int Port { get; }

    /// <summary>
    /// Starts the server (on <paramref name="port"/>, for a restart where the last one listened, else on a free
    /// port) and returns once it accepts connections (30 s at most). It starts empty: nothing is persisted.
    /// </summary>
    public static async Task<OwnRedis> StartAsync(int? port = null)
    {
        port ??= HubHost.FreePort();
        var process = Process.Start(new ProcessStartInfo(
            "redis-server",
            ["--port", port.Value.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"])
        {
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("redis-server did not start (scripts/services.sh installs it)");
        var redis = new OwnRedis(process, port.Value);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port.Value, timeout.Token);
                return redis;
            }
            catch (SocketException)
            {
                await Task.Delay(50, timeout.Token);
            }
        }
    }

    /// <summary>Freezes the server: connections stay open, nothing is answered.</summary>
    public void Pause()
    {
        Signal("STOP");
        _paused = true;
    }

    /// <summary>Thaws a paused server.</summary>
    public void Resume()
    {
        Signal("CONT");
        _paused = false;
    }

    /// <summary>Kills the server (thawing it first, so that it can die).</summary>
    public void Kill()
    {
        if (_process.HasExited)
        {
            return;
        }

        if (_paused)
        {
            Resume();
        }

        _process.Kill();
        _process.WaitForExit(10_000);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Signal(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit(10_000);
    }
}
