using ClearingHouse.Grains.Diagnostics;
using ClearingHouse.Grains.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Grains.Locations;

/// <summary>
/// The silo's write-behind of EVSE statuses. Location grains hand it every accepted status (no I/O on
/// the hot path); it coalesces them per EVSE (the newest wins) and writes them in one transaction every
/// half <see cref="LocationsOptions.StatusFlushInterval"/>, so each is durable within the interval. Grains
/// flush it when they deactivate (which a clean shutdown does for all), and it flushes when the host stops,
/// so a clean restart loses nothing; a crash loses at most the statuses accepted in the last interval,
/// which the CPO resends (DESIGN.md).
/// </summary>
public sealed partial class StatusWriteBehind(ILocationStore store, IOptions<LocationsOptions> options, QueueMetrics queues, ILogger<StatusWriteBehind> logger)
    : BackgroundService
{
    // Striped by location: the grains of one streamed message hand in at once, and one silo-wide lock made their
    // turns queue behind one another. A location always maps to the same stripe, so its newer-only merge holds.
    private const int StripeCount = 32;
    private readonly Stripe[] _stripes = CreateStripes();
    private readonly SemaphoreSlim _flushGate = new(1, 1);

    /// <summary>How many EVSE statuses wait to be written.</summary>
    public int PendingCount
    {
        get
        {
            var count = 0;
            foreach (var stripe in _stripes)
            {
                lock (stripe.Lock)
                {
                    foreach (var byEvse in stripe.Pending.Values)
                    {
                        count += byEvse.Count;
                    }
                }
            }

            return count;
        }
    }

    /// <summary>Queues accepted statuses of one location.</summary>
    public void Enqueue(string locationKey, ReadOnlySpan<EvseStatusRow> rows)
    {
        var stripe = StripeOf(locationKey);
        lock (stripe.Lock)
        {
            if (!stripe.Pending.TryGetValue(locationKey, out var byEvse))
            {
                byEvse = new Dictionary<string, EvseStatusRow>(StringComparer.Ordinal);
                stripe.Pending[locationKey] = byEvse;
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
        var stripe = StripeOf(locationKey);
        lock (stripe.Lock)
        {
            return stripe.Pending.TryGetValue(locationKey, out var byEvse) ? [.. byEvse.Values] : [];
        }
    }

    /// <summary>Writes everything queued before this call.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        await _flushGate.WaitAsync(cancellationToken);
        try
        {
            var batch = new List<KeyValuePair<string, Dictionary<string, EvseStatusRow>>>();
            foreach (var stripe in _stripes)
            {
                lock (stripe.Lock)
                {
                    if (stripe.Pending.Count > 0)
                    {
                        batch.AddRange(stripe.Pending);
                        stripe.Pending = new Dictionary<string, Dictionary<string, EvseStatusRow>>(StringComparer.Ordinal);
                    }
                }
            }

            if (batch.Count == 0)
            {
                return;
            }

            var rows = batch.SelectMany(d => d.Value.Values).ToArray();
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
        // Every half interval, so that a status is durable within one interval of being accepted even when a write
        // takes the other half: on a full-interval tick, statuses accepted just after a write waited a whole interval
        // plus the next write, and a SIGKILL under a status storm lost statuses acknowledged 1.07 s before it against
        // the documented 1 s (issue 16, finding 5; StatusKillTests).
        using var timer = new PeriodicTimer(options.Value.StatusFlushInterval / 2);
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

    private static Stripe[] CreateStripes()
    {
        var stripes = new Stripe[StripeCount];
        for (var i = 0; i < stripes.Length; i++)
        {
            stripes[i] = new Stripe();
        }

        return stripes;
    }

    private Stripe StripeOf(string locationKey) =>
        _stripes[(StringComparer.Ordinal.GetHashCode(locationKey) & int.MaxValue) % StripeCount];

    private sealed class Stripe
    {
        public Lock Lock { get; } = new();

        public Dictionary<string, Dictionary<string, EvseStatusRow>> Pending { get; set; } = new(StringComparer.Ordinal);
    }

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "Stopped before {Count} queued EVSE statuses were written (an immediate stop); CPOs resend on reconnect")]
    private static partial void LogStopUnflushed(ILogger logger, int count);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Writing {Count} EVSE statuses failed; they stay queued for the next flush")]
    private static partial void LogFlushFailed(ILogger logger, Exception ex, int count);
}
