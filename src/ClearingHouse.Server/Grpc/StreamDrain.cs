using System.Diagnostics;

namespace ClearingHouse.Server.Grpc;

/// <summary>
/// Holds the stop, before any service stops, until the streaming calls the stop ended have finished (at most
/// <see cref="Grace"/>) and for <see cref="Linger"/> after the last one finished, so that partners read the end of
/// their streams (Unavailable "the hub is shutting down") before Kestrel closes their connections.
/// </summary>
/// <remarks>
/// Kestrel closes a connection in a graceful stop as soon as its last stream is done. A partner whose duplex stream
/// was still open on its side (an EMSP's authorization channel) then got the stream's trailers, a reset of its request
/// side and the connection's end at once, and its HTTP/2 client let the connection's end win over the trailers it had
/// not handed to the caller yet ("Error reading next message ... The HTTP/2 server closed the connection", status
/// Internal): seen in ShutdownTests runs on a loaded machine. Waiting here also lets the handlers finish while the silo
/// still runs (a channel unregisters from its registry grain on the way out).
/// </remarks>
public sealed partial class StreamDrain(ILogger<StreamDrain> logger, TimeSpan grace, TimeSpan linger) : IHostedLifecycleService
{
    private int _open;
    private long _lastEnded;

    /// <summary>How long the stop waits at most for streaming calls to finish.</summary>
    public TimeSpan Grace { get; } = grace;

    /// <summary>How long the stop waits after the last streaming call finished.</summary>
    public TimeSpan Linger { get; } = linger;

    /// <summary>Counts a streaming call until the returned handle is disposed.</summary>
    public Call Track()
    {
        Interlocked.Increment(ref _open);
        return new Call(this);
    }

    /// <inheritdoc />
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var waiting = Stopwatch.StartNew();
        try
        {
            while (Volatile.Read(ref _open) > 0 && waiting.Elapsed < Grace)
            {
                await Task.Delay(20, cancellationToken);
            }

            if (Volatile.Read(ref _open) is > 0 and var open)
            {
                LogStillOpen(logger, open, Grace.TotalSeconds);
                return;
            }

            var lastEnded = Interlocked.Read(ref _lastEnded);
            if (lastEnded != 0 && Stopwatch.GetElapsedTime(lastEnded) is var since && since < Linger)
            {
                await Task.Delay(Linger - since, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The stop is out of time: the rest of it goes on without waiting.
        }
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Ended()
    {
        Interlocked.Exchange(ref _lastEnded, Stopwatch.GetTimestamp());
        Interlocked.Decrement(ref _open);
    }

    [LoggerMessage(EventId = 1091, Level = LogLevel.Warning, Message = "{Count} streaming calls had not finished {Grace} s after the stop began; stopping without them")]
    private static partial void LogStillOpen(ILogger logger, int count, double grace);

    /// <summary>One tracked streaming call.</summary>
    public readonly struct Call(StreamDrain drain) : IDisposable
    {
        /// <inheritdoc />
        public void Dispose() => drain.Ended();
    }
}
