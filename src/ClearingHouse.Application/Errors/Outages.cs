using System.Data.Common;
using System.Net.Sockets;
using Orleans.Storage;

namespace ClearingHouse.Application.Errors;

/// <summary>
/// Tells an outage (a dependency that is away for now: the durable store, another silo) from a defect, for
/// every edge alike. An outage is answered as retryable (gRPC Unavailable, OCPI 3000-class / HTTP 503)
/// with a message naming what is down; a defect stays Internal and is logged with its stack.
/// </summary>
public static class Outages
{
    /// <summary>
    /// The message an edge answers an outage with (retryable), naming what is down; null when
    /// <paramref name="exception"/> is not an outage.
    /// </summary>
    public static string? RetryMessage(Exception exception) =>
        Describe(exception) is { } down ? $"the hub cannot serve this call right now: {down} is unavailable; retry" : null;

    /// <summary>
    /// What is down when <paramref name="exception"/> (or one it wraps, as a grain activation that failed
    /// to load its state does) is an outage; null when it is not one.
    /// </summary>
    public static string? Describe(Exception exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            switch (ex)
            {
                case AggregateException aggregate:
                    foreach (var inner in aggregate.InnerExceptions)
                    {
                        if (Describe(inner) is { } what)
                        {
                            return what;
                        }
                    }

                    return null;
                case DbException db when db.IsTransient || ex.InnerException is SocketException or IOException or TimeoutException:
                    return "the durable store";
                case InconsistentStateException:
                    return "the durable store (a concurrent change; the object was reloaded)";
                case SiloUnavailableException or OrleansMessageRejectionException:
                    return "a silo of the cluster";
                case TimeoutException:
                    return "the cluster (a call timed out)";
                case SocketException:
                    return "a dependency (connection refused or lost)";
            }
        }

        return null;
    }
}
