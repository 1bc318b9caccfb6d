using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace ClearingHouse.Server.Grpc;

/// <summary>
/// Ends the gRPC port's connections that are still open <see cref="Grace"/> after the hub began to stop. Streams end
/// at the start of a stop (<see cref="StreamShutdownInterceptor"/>), but a partner that stopped reading its stream (an
/// EMSP not reading its authorization channel) leaves the end of that stream blocked on HTTP/2 flow control, and
/// Kestrel waited for its connection until Hub:ShutdownTimeout (20.3-21.3 s of a 20 s timeout in the fault tests).
/// In-flight unary calls get the grace to finish; the partners reconnect, as after any stop.
/// </summary>
public sealed partial class StopConnectionReaper(IHostApplicationLifetime lifetime, ILogger<StopConnectionReaper> logger, TimeSpan grace) : IHostedService
{
    private readonly ConcurrentDictionary<string, ConnectionContext> _open = new(StringComparer.Ordinal);
    private CancellationTokenRegistration _stopping;

    /// <summary>How long connections may stay open after the stop began.</summary>
    public TimeSpan Grace { get; } = grace;

    /// <summary>The Kestrel connection middleware that tracks the port's connections for the life of each.</summary>
    public ConnectionDelegate Track(ConnectionDelegate next) => async connection =>
    {
        _open[connection.ConnectionId] = connection;
        try
        {
            await next(connection);
        }
        finally
        {
            _open.TryRemove(connection.ConnectionId, out _);
        }
    };

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = lifetime.ApplicationStopping.Register(static state => _ = ((StopConnectionReaper)state!).ReapAsync(), this);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Dispose();
        return Task.CompletedTask;
    }

    private async Task ReapAsync()
    {
        await Task.Delay(Grace);
        var reaped = 0;
        foreach (var connection in _open.Values)
        {
            connection.Abort(new ConnectionAbortedException("the hub is shutting down"));
            reaped++;
        }

        if (reaped > 0)
        {
            LogReaped(logger, reaped, Grace.TotalSeconds);
        }
    }

    [LoggerMessage(EventId = 1090, Level = LogLevel.Warning, Message = "Closed {Count} gRPC connections still open {Grace} s after the stop began (a partner not reading its stream)")]
    private static partial void LogReaped(ILogger logger, int count, double grace);
}
