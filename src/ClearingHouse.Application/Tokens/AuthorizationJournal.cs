using System.Threading.Channels;
using ClearingHouse.Grains.Diagnostics;
using ClearingHouse.Grains.Options;
using ClearingHouse.Grains.Tokens;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Application.Tokens;

/// <summary>
/// Records authorization decisions durably before they are answered, with group commit: callers
/// queue their record and wait; one writer stores everything queued in one transaction (one fsync)
/// and releases them together. Under load a batch carries hundreds of decisions, so durability costs
/// one disk flush per batch instead of one per call.
/// </summary>
public sealed partial class AuthorizationJournal(IAuthorizationStore store, IOptions<TokensOptions> options, QueueMetrics queues, ILogger<AuthorizationJournal> logger) : BackgroundService
{
    // Bounded so a stalled store makes callers wait (and time out) instead of growing memory. Synchronous continuations:
    // the writer thread blocks in WaitToReadAsync, and the caller whose record ends its wait wakes it directly, instead of
    // queueing a thread-pool item (per batch) that only sets the event the writer thread sleeps on.
    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(100_000) { SingleReader = true, AllowSynchronousContinuations = true });

    /// <summary>Decisions waiting for the next group commit (the saturation gauge reads it).</summary>
    public long Queued => _queue.Reader.Count;

    /// <summary>Stores a decision; completes once it is durable (canceled when <paramref name="cancellationToken"/> is, before that).</summary>
    public Task RecordAsync(AuthorizationRecord record, CancellationToken cancellationToken)
    {
        // Per decision: one object that is both the queue entry and the caller's task, and one cancellation
        // registration (Task.WaitAsync would add a promise task of its own, an async method a state machine).
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        var pending = new Pending(record);
        pending.Cancellation = cancellationToken.UnsafeRegister(static (state, token) => ((Pending)state!).TrySetCanceled(token), pending);
        return _queue.Writer.TryWrite(pending) ? pending.Task : EnqueueSlowlyAsync(pending, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// The writer runs on a thread of its own: a store write here ends in a disk flush (SQLite's synchronous=FULL commit is
    /// an fsync, a few milliseconds), and on a thread-pool thread that flush parks one of the machine's few workers per
    /// batch, so the pool injects threads and the Authorize calls it serves pay for the extra context switches.
    /// </remarks>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => Write(stoppingToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Write(CancellationToken stoppingToken)
    {
        var max = options.Value.AuthorizationBatchSize;
        var batch = new List<Pending>(max);
        var records = new List<AuthorizationRecord>(max);
        try
        {
            while (_queue.Reader.TryPeek(out _) || _queue.Reader.WaitToReadAsync(stoppingToken).AsTask().GetAwaiter().GetResult())
            {
                while (batch.Count < max && _queue.Reader.TryRead(out var next))
                {
                    batch.Add(next);
                    records.Add(next.Record);
                }

                queues.Batch(HubQueue.AuthorizationJournal, records.Count);
                try
                {
                    store.AppendAsync(records, CancellationToken.None).GetAwaiter().GetResult();
                    foreach (var p in batch)
                    {
                        p.Cancellation.Dispose();
                        p.TrySetResult();
                    }
                }
                catch (Exception ex)
                {
                    LogWriteFailed(logger, ex, batch.Count);
                    foreach (var p in batch)
                    {
                        p.Cancellation.Dispose();
                        p.TrySetException(ex);
                    }
                }

                batch.Clear();
                records.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 4010, Level = LogLevel.Error, Message = "Could not record {Count} authorization decisions")]
    private static partial void LogWriteFailed(ILogger logger, Exception ex, int count);

    // The queue full (a stalled store): wait for room, as long as the caller waits.
    private async Task EnqueueSlowlyAsync(Pending pending, CancellationToken cancellationToken)
    {
        try
        {
            await _queue.Writer.WriteAsync(pending, cancellationToken);
        }
        catch
        {
            pending.Cancellation.Dispose();
            throw;
        }

        await pending.Task;
    }

    private sealed class Pending(AuthorizationRecord record) : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public AuthorizationRecord Record { get; } = record;

        public CancellationTokenRegistration Cancellation { get; set; }
    }
}
