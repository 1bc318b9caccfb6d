using ClearingHouse.Grains.Diagnostics;
using ClearingHouse.Grains.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Grains.Locations;

/// <summary>
/// The silo's write-behind of EVSE statuses. Location grains hand it every accepted status (no I/O on
/// the hot path); it coalesces them per EVSE (the newest wins) and writes them every
/// <see cref="LocationsOptions.StatusFlushInterval"/> in one transaction. Grains flush it when they
/// deactivate (which a clean shutdown does for all), and it flushes when the host stops, so a clean
/// restart loses nothing; a crash loses at most one interval, which the CPO resends (DESIGN.md).
/// </summary>
public sealed partial class StatusWriteBehind(ILocationStore store, IOptions<LocationsOptions> options, QueueMetrics queues, ILogger<StatusWriteBehind> logger)
    : BackgroundService
{
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _flushGate = new(1, 1);
    private Dictionary<string, Dictionary<string, EvseStatusRow>> _pending = new(StringComparer.Ordinal);

    /// <summary>How many EVSE statuses wait to be written.</summary>
    public int PendingCount
    {
        get
        {
            lock (_lock)
            {
                return _pending.Values.Sum(d => d.Count);
            }
        }
    }

    /// <summary>Queues accepted statuses of one location.</summary>
    public void Enqueue(string locationKey, ReadOnlySpan<EvseStatusRow> rows)
    {
        lock (_lock)
        {
            if (!_pending.TryGetValue(locationKey, out var byEvse))
            {
                byEvse = new Dictionary<string, EvseStatusRow>(StringComparer.Ordinal);
                _pending[locationKey] = byEvse;
            }

            foreach (var row in rows)
            {
                if (!byEvse.TryGetValue(row.EvseUid, out var held) || held.LastUpdatedTicks < row.LastUpdatedTicks)
                {
                    byEvse[row.EvseUid] = row;
                }
            }
        }
    }

    /// <summary>Statuses of a location not yet written (for a grain activating before the flush).</summary>
    public IReadOnlyList<EvseStatusRow> PendingFor(string locationKey)
    {
        lock (_lock)
        {
            return _pending.TryGetValue(locationKey, out var byEvse) ? [.. byEvse.Values] : [];
        }
    }

    /// <summary>Writes everything queued before this call.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        await _flushGate.WaitAsync(cancellationToken);
        try
        {
            Dictionary<string, Dictionary<string, EvseStatusRow>> batch;
            lock (_lock)
            {
                if (_pending.Count == 0)
                {
                    return;
                }

                batch = _pending;
                _pending = new Dictionary<string, Dictionary<string, EvseStatusRow>>(StringComparer.Ordinal);
            }

            var rows = batch.Values.SelectMany(d => d.Values).ToArray();
            queues.Batch(HubQueue.StatusWriteBehind, rows.Length);
            try
            {
                await store.WriteStatusesAsync(rows, cancellationToken);
            }
            catch (Exception ex)
            {
                // Put them back (newer-only merge) so the next flush retries; the store is idempotent.
                LogFlushFailed(logger, ex, rows.Length);
                foreach (var (key, byEvse) in batch)
                {
                    Enqueue(key, [.. byEvse.Values]);
                }

                throw;
            }
        }
        finally
        {
            _flushGate.Release();
        }
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await FlushAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // An immediate stop (or a shutdown out of time): what is queued is lost as on a kill, within the
            // write-behind bound; the CPO owns the truth and resends on reconnect.
            LogStopUnflushed(logger, PendingCount);
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _flushGate.Dispose();
        base.Dispose();
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.StatusFlushInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await FlushAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Logged in FlushAsync; the rows stay queued for the next tick.
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "Stopped before {Count} queued EVSE statuses were written (an immediate stop); CPOs resend on reconnect")]
    private static partial void LogStopUnflushed(ILogger logger, int count);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Writing {Count} EVSE statuses failed; they stay queued for the next flush")]
    private static partial void LogFlushFailed(ILogger logger, Exception ex, int count);
}
