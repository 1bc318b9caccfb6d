using System.Threading.Channels;
using ClearingHouse.Grains.Options;
using ClearingHouse.Grains.Tokens;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Server.Tokens;

/// <summary>
/// Records authorization decisions durably before they are answered, with group commit: callers
/// queue their record and wait; one writer stores everything queued in one transaction (one fsync)
/// and releases them together. Under load a batch carries hundreds of decisions, so durability costs
/// one disk flush per batch instead of one per call.
/// </summary>
public sealed partial class AuthorizationJournal(IAuthorizationStore store, IOptions<TokensOptions> options, ILogger<AuthorizationJournal> logger) : BackgroundService
{
    // Bounded so a stalled store makes callers wait (and time out) instead of growing memory.
    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(100_000) { SingleReader = true });

    /// <summary>Stores a decision; completes once it is durable.</summary>
    public async Task RecordAsync(AuthorizationRecord record, CancellationToken cancellationToken)
    {
        var pending = new Pending(record, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        await _queue.Writer.WriteAsync(pending, cancellationToken);
        await pending.Done.Task.WaitAsync(cancellationToken);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var max = options.Value.AuthorizationBatchSize;
        var batch = new List<Pending>(max);
        var records = new List<AuthorizationRecord>(max);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < max && _queue.Reader.TryRead(out var next))
                {
                    batch.Add(next);
                    records.Add(next.Record);
                }

                try
                {
                    await store.AppendAsync(records, CancellationToken.None);
                    foreach (var p in batch)
                    {
                        p.Done.TrySetResult();
                    }
                }
                catch (Exception ex)
                {
                    LogWriteFailed(logger, ex, batch.Count);
                    foreach (var p in batch)
                    {
                        p.Done.TrySetException(ex);
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

    private sealed record Pending(AuthorizationRecord Record, TaskCompletionSource Done);
}
