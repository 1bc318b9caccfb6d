using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ClearingHouse.Grains.Locations;

/// <summary>
/// The silo's one way into the CPO status feeds: location grains hand it every status change they accepted
/// (whatever the entry: put, patch, EVSE patch, streamed batch). A put or patch awaits the returned task, so
/// it returns only once its changes are published; a streamed batch only queues them (<see cref="Enqueue"/>), in
/// the same order, so that a location grain is not held for the feed call. Per CPO the feed calls go one after
/// the other, each carrying at most <see cref="MaxEventsPerCall"/> events, so the events of one location keep the
/// order its grain accepted them in.
/// </summary>
/// <remarks>
/// When queued events go out matters as much as how: a streamed message touches about a hundred location grains,
/// and publishing as soon as the first of them handed in sent its one event alone, the next call the next few, and
/// so on: a feed call, a feed batch and a subscriber delivery for every few events (twice the grain messages and a
/// third more allocation per status than one feed call per message; status-storm lost a third of its rate). So
/// streamed events wait until the stream's ingest says its grains have answered (<see cref="FlushNow"/>), or at most
/// <see cref="Linger"/> (grains on another silo than the ingest), and then go out together. Handing in takes no
/// lock (the grains of one message run their turns at once); cutting a batch takes a lock per CPO.
/// </remarks>
public sealed partial class StatusPublisher(IGrainFactory grains, ILogger<StatusPublisher> logger) : IDisposable
{
    /// <summary>
    /// Most events one feed call carries (more only when one hand-in is larger): larger arrays at every step to the
    /// subscriber (the feed's batch, each subscriber's selection) would land on the large-object heap.
    /// </summary>
    public const int MaxEventsPerCall = 1000;

    /// <summary>
    /// Longest a streamed status waits for its ingest's <see cref="FlushNow"/> before it is published anyway.
    /// </summary>
    public static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(2);

    private readonly ConcurrentDictionary<string, CpoQueue> _queues = new(StringComparer.Ordinal);

    /// <summary>
    /// Queues <paramref name="events"/> for <paramref name="cpo"/>'s feed without waiting; they go out at the next
    /// <see cref="FlushNow"/> or after <see cref="Linger"/>, in order with <see cref="PublishAsync"/>. A failed feed
    /// call is logged (the events are then lost to live subscribers, who still read the EVSEs' state: status is
    /// write-behind and the CPO resends on reconnect).
    /// </summary>
    public void Enqueue(string cpo, ReadOnlySpan<FeedEvent> events)
    {
        if (events.IsEmpty)
        {
            return;
        }

        var queue = Queue(cpo);
        queue.Entries.Enqueue(new Entry(events.ToArray(), null));
        queue.ArmLinger();
    }

    /// <summary>
    /// Queues <paramref name="events"/> (copied) for the feed of <paramref name="cpo"/> and sends them now; the task
    /// completes when the feed has numbered them, and faults when that feed call failed.
    /// </summary>
    public Task PublishAsync(string cpo, ReadOnlySpan<FeedEvent> events)
    {
        if (events.IsEmpty)
        {
            return Task.CompletedTask;
        }

        var entry = new Entry(events.ToArray(), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var queue = Queue(cpo);
        queue.Entries.Enqueue(entry);
        // Called from a grain turn: the feed call must not run as part of it.
        queue.Cut(offThread: true);
        return entry.Published!.Task;
    }

    /// <summary>
    /// Sends what is queued for <paramref name="cpo"/> now (the status ingest calls it once the grains of a message
    /// answered). Issues the feed call on the caller's thread: never call it from a grain turn.
    /// </summary>
    public void FlushNow(string cpo)
    {
        if (_queues.TryGetValue(cpo, out var queue))
        {
            queue.Cut(offThread: false);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var queue in _queues.Values)
        {
            queue.Dispose();
        }
    }

    private CpoQueue Queue(string cpo) => _queues.GetOrAdd(cpo, static (key, publisher) => new CpoQueue(key, publisher), this);

    // Sends one cut batch after the previous one (which never faults), in calls of at most MaxEventsPerCall.
    private async Task SendAfterAsync(Task previous, string cpo, List<Entry> batch)
    {
        await previous.ConfigureAwait(false);
        var start = 0;
        while (start < batch.Count)
        {
            var count = 0;
            var end = start;
            while (end < batch.Count && (count == 0 || count + batch[end].Events.Length <= MaxEventsPerCall))
            {
                count += batch[end++].Events.Length;
            }

            var events = new FeedEvent[count];
            var at = 0;
            for (var i = start; i < end; i++)
            {
                batch[i].Events.CopyTo(events, at);
                at += batch[i].Events.Length;
            }

            try
            {
                await grains.GetGrain<IStatusFeedGrain>(cpo).Publish(events).ConfigureAwait(false);
                for (var i = start; i < end; i++)
                {
                    batch[i].Published?.SetResult();
                }
            }
            catch (Exception ex)
            {
                // Logged once per failed feed call; awaiting callers get the exception.
                LogPublishFailed(logger, cpo, events.Length, ex.GetType().Name, ex.Message);
                for (var i = start; i < end; i++)
                {
                    batch[i].Published?.SetException(ex);
                }
            }

            start = end;
        }
    }

    private sealed record Entry(FeedEvent[] Events, TaskCompletionSource? Published);

    private sealed class CpoQueue : IDisposable
    {
        private readonly StatusPublisher _publisher;
        private readonly Timer _linger;
        private readonly Lock _cut = new();
        private Task _tail = Task.CompletedTask;
        private int _armed;

        public CpoQueue(string cpo, StatusPublisher publisher)
        {
            Cpo = cpo;
            _publisher = publisher;
            // One timer per CPO for the hub's life (CPOs are few); it fires on the thread pool, never in a grain turn.
            _linger = new Timer(static state => ((CpoQueue)state!).LingerElapsed(), this, Timeout.Infinite, Timeout.Infinite);
        }

        public string Cpo { get; }

        public ConcurrentQueue<Entry> Entries { get; } = new();

        // At most one linger pending: the first event queued after a cut arms it.
        public void ArmLinger()
        {
            if (Interlocked.CompareExchange(ref _armed, 1, 0) == 0)
            {
                _linger.Change(Linger, Timeout.InfiniteTimeSpan);
            }
        }

        // Takes everything queued as one batch and chains its sending after the batches cut before it.
        public void Cut(bool offThread)
        {
            if (Entries.IsEmpty)
            {
                return;
            }

            lock (_cut)
            {
                var batch = new List<Entry>();
                while (Entries.TryDequeue(out var entry))
                {
                    batch.Add(entry);
                }

                if (batch.Count == 0)
                {
                    return;
                }

                var previous = _tail;
                _tail = offThread
                    ? Task.Run(() => _publisher.SendAfterAsync(previous, Cpo, batch))
                    : _publisher.SendAfterAsync(previous, Cpo, batch);
            }
        }

        public void Dispose() => _linger.Dispose();

        private void LingerElapsed()
        {
            Volatile.Write(ref _armed, 0);
            Cut(offThread: false);
        }
    }

    [LoggerMessage(EventId = 3104, Level = LogLevel.Warning, Message = "Publishing {Count} status events of {Cpo} to its feed failed ({ExceptionType}: {Reason}); live subscribers miss them (the EVSEs' state has them)")]
    private static partial void LogPublishFailed(ILogger logger, string cpo, int count, string exceptionType, string reason);
}
