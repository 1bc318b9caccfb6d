using Microsoft.Extensions.Logging;

namespace ClearingHouse.Grains.Locations;

/// <summary>
/// The silo's one way into the CPO status feeds: location grains hand it every status change they accepted
/// (whatever the entry: put, patch, EVSE patch, streamed batch). A put or patch awaits the returned task, so
/// it returns only once its changes are published; a streamed batch only queues them (<see cref="Enqueue"/>), in
/// the same order, so that a location grain is not held for the feed call. Per CPO, at most one <see cref="IStatusFeedGrain.Publish"/>
/// is in flight; what location grains hand in meanwhile rides in the next one (group commit). A streamed
/// batch that touches many locations therefore costs a constant number of feed calls, not one per
/// location, and the events of one location keep the order its grain accepted them in.
/// </summary>
public sealed partial class StatusPublisher(IGrainFactory grains, ILogger<StatusPublisher> logger)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Pending> _pending = new(StringComparer.Ordinal);

    /// <summary>
    /// Queues <paramref name="events"/> (copied) for the feed of <paramref name="cpo"/>; the task completes
    /// when the feed has numbered them, and faults when that feed call failed.
    /// </summary>
    /// <summary>
    /// Queues <paramref name="events"/> for <paramref name="cpo"/>'s feed without waiting: same order as
    /// <see cref="PublishAsync"/>; a failed feed call is logged (the events are then lost to live subscribers, who
    /// still read the EVSEs' state: status is write-behind and the CPO resends on reconnect).
    /// </summary>
    public void Enqueue(string cpo, ReadOnlySpan<FeedEvent> events) => _ = PublishAsync(cpo, events);

    public Task PublishAsync(string cpo, ReadOnlySpan<FeedEvent> events)
    {
        if (events.IsEmpty)
        {
            return Task.CompletedTask;
        }

        lock (_lock)
        {
            if (!_pending.TryGetValue(cpo, out var pending))
            {
                pending = new Pending(cpo);
                _pending[cpo] = pending;
            }

            pending.Events.AddRange(events);
            var published = pending.Next.Task;
            if (!pending.Flushing)
            {
                pending.Flushing = true;
                // Off the calling grain's scheduler: the feed call must not run as part of the grain's turn,
                // and the grains called beside this one get to add their events before the first flush.
                _ = Task.Run(() => FlushAsync(pending));
            }

            return published;
        }
    }

    private async Task FlushAsync(Pending pending)
    {
        while (true)
        {
            FeedEvent[] events;
            TaskCompletionSource published;
            lock (_lock)
            {
                if (pending.Events.Count == 0)
                {
                    pending.Flushing = false;
                    return;
                }

                events = [.. pending.Events];
                pending.Events.Clear();
                published = pending.Next;
                pending.Next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            try
            {
                await grains.GetGrain<IStatusFeedGrain>(pending.Cpo).Publish(events);
                published.SetResult();
            }
            catch (Exception ex)
            {
                // Logged once per failed feed call; the exception is marked observed for the callers that queued
                // without waiting (Enqueue), and awaiting callers still get it.
                LogPublishFailed(logger, pending.Cpo, events.Length, ex.GetType().Name, ex.Message);
                published.SetException(ex);
                _ = published.Task.Exception;
            }
        }
    }

    private sealed class Pending(string cpo)
    {
        public string Cpo { get; } = cpo;

        public List<FeedEvent> Events { get; } = [];

        public TaskCompletionSource Next { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Flushing { get; set; }
    }

    [LoggerMessage(EventId = 3104, Level = LogLevel.Warning, Message = "Publishing {Count} status events of {Cpo} to its feed failed ({ExceptionType}: {Reason}); live subscribers miss them (the EVSEs' state has them)")]
    private static partial void LogPublishFailed(ILogger logger, string cpo, int count, string exceptionType, string reason);
}
