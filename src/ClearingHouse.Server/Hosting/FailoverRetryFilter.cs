using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace ClearingHouse.Server.Hosting;

/// <summary>
/// Holds a grain call whose target silo cannot be reached until cluster membership has moved on, then sends it again
/// (Cluster profile; docs/operations.md, "A silo dies").
/// </summary>
/// <remarks>
/// Between a silo's death and the membership's declaration of it (1-3 s with the default probing), every call to a
/// grain that lived there is rejected at once: the connection is refused. Such a call was never sent, so sending it
/// again is safe for any method; once the silo is declared dead, the grain re-activates on a survivor at the retried
/// call. The call is retried each time the membership changes (at least every <see cref="Pause"/>), for at most
/// <see cref="FailoverRetryFilter.Budget"/> (<c>Silo:ProbeTimeout</c> times <c>Silo:MissedProbesLimit</c> + 2, 5 s with
/// the defaults: longer than a dead silo takes to be declared), then the rejection is answered (Unavailable).
/// Calls that reached the dead silo before it died are not retried (they may have run there): they fail when the silo
/// is declared dead, as before.
/// </remarks>
public sealed partial class FailoverRetryFilter(
    IClusterMembershipService membership,
    IOptions<ClusterMembershipOptions> options,
    TimeProvider time,
    ILogger<FailoverRetryFilter> logger) : IOutgoingGrainCallFilter
{
    // How long a held call waits for a membership change before it tries again anyway (the directory can still point
    // at the dead silo for a moment after the change).
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    /// <summary>How long a call is held at most.</summary>
    public TimeSpan Budget { get; } = options.Value.ProbeTimeout * (options.Value.NumMissedProbesLimit + 2);

    /// <inheritdoc />
    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var started = time.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            var version = membership.CurrentSnapshot.Version;
            try
            {
                await context.Invoke();
                if (context.Response?.Exception is not { } rejected || !NeverSent(rejected) || time.GetElapsedTime(started) >= Budget)
                {
                    LogIfRecovered(context, attempt, started);
                    return;
                }

                LogHeld(logger, context.InterfaceName, context.MethodName, attempt, rejected.Message);
            }
            catch (Exception ex) when (NeverSent(ex) && time.GetElapsedTime(started) < Budget)
            {
                LogHeld(logger, context.InterfaceName, context.MethodName, attempt, ex.Message);
            }

            await WaitForMembershipChangeAsync(version);
        }
    }

    /// <summary>
    /// True when <paramref name="exception"/> is Orleans' rejection of a message it could not send: the target silo
    /// refused the connection, or membership already counts it dead. Orleans says so only in the rejection's text.
    /// Never a <see cref="SiloUnavailableException"/> (a rejection too): that is a message the silo got before it died.
    /// </summary>
    public static bool NeverSent(Exception exception) =>
        exception is OrleansMessageRejectionException rejection and not SiloUnavailableException
        && (rejection.Message.Contains("ConnectionFailedException", StringComparison.Ordinal)
            || rejection.Message.Contains("SocketConnectionException", StringComparison.Ordinal)
            || rejection.Message.Contains("Target silo is known to be dead", StringComparison.Ordinal));

    private void LogIfRecovered(IOutgoingGrainCallContext context, int attempt, long started)
    {
        if (attempt > 1)
        {
            LogRecovered(logger, context.InterfaceName, context.MethodName, attempt, time.GetElapsedTime(started));
        }
    }

    private async Task WaitForMembershipChangeAsync(MembershipVersion seen)
    {
        var waited = TimeSpan.Zero;
        while (waited < Pause && membership.CurrentSnapshot.Version <= seen)
        {
            await Task.Delay(Poll, time);
            waited += Poll;
        }
    }

    [LoggerMessage(EventId = 1095, Level = LogLevel.Debug, Message = "{Interface}.{Method}: its silo cannot be reached (attempt {Attempt}); held until membership moves on: {Reason}")]
    private static partial void LogHeld(ILogger logger, string @interface, string method, int attempt, string reason);

    [LoggerMessage(EventId = 1096, Level = LogLevel.Debug, Message = "{Interface}.{Method} answered at attempt {Attempt}, {Elapsed} after its silo could first not be reached")]
    private static partial void LogRecovered(ILogger logger, string @interface, string method, int attempt, TimeSpan elapsed);
}
