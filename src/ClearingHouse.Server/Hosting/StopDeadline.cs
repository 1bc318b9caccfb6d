namespace ClearingHouse.Server.Hosting;

/// <summary>
/// Ends the process when a stop is still running at <c>Hub:ShutdownTimeout</c>: the host gives up waiting
/// <see cref="MarginFor"/> earlier (<see cref="HostTimeout"/>), but a part that does not honour the host's cancellation
/// keeps the process alive. So SIGTERM always ends the process within the timeout. Seen with
/// the membership store down: Orleans kept trying to write the silo's leaving to the membership table and the process
/// outlived SIGTERM by more than 40 s with a 10 s timeout (issue 16, finding 1; StopWithoutMembershipTests). Exit code 1,
/// as for any stop that overran the timeout (<see cref="ServerStartup.ExitCodes.StopTimedOut"/>); what was not written
/// by then is lost as in a crash, which the hub survives (durable writes are acknowledged only once written).
/// </summary>
public sealed partial class StopDeadline(IHostApplicationLifetime lifetime, ILogger<StopDeadline> logger, TimeSpan timeout) : IHostedService, IDisposable
{
    /// <summary>How much before <c>Hub:ShutdownTimeout</c> the host gives up waiting: 2 s, at most a fifth of the timeout.</summary>
    public static TimeSpan MarginFor(TimeSpan timeout) => TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(2).Ticks, timeout.Ticks / 5));

    /// <summary>The host's own shutdown timeout for <paramref name="timeout"/> (<c>Hub:ShutdownTimeout</c>).</summary>
    public static TimeSpan HostTimeout(TimeSpan timeout) => timeout - MarginFor(timeout);

    private CancellationTokenRegistration _stopping;
    private Timer? _timer;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // A timer, not a task on the thread pool: a stuck stop may have the pool busy.
        _stopping = lifetime.ApplicationStopping.Register(static state =>
        {
            var self = (StopDeadline)state!;
            self._timer = new Timer(static s => ((StopDeadline)s!).End(), self, self.Deadline, Timeout.InfiniteTimeSpan);
        }, this);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public void Dispose()
    {
        // Disposed when the host is disposed, that is after a stop that finished: no forced end then.
        _stopping.Dispose();
        _timer?.Dispose();
    }

    private TimeSpan Deadline => timeout;

    private void End()
    {
        LogForcedExit(logger, timeout.TotalSeconds);
        Environment.Exit(ServerStartup.ExitCodes.StopTimedOut);
    }

    [LoggerMessage(EventId = 1092, Level = LogLevel.Critical, Message = "The stop was still running at Hub:ShutdownTimeout ({Timeout} s); ending the process")]
    private static partial void LogForcedExit(ILogger logger, double timeout);
}
