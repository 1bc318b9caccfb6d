using ClearingHouse.Grains;
using ClearingHouse.Grains.Options;
using ClearingHouse.Grains.Sessions;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Application.Sessions;

/// <summary>
/// Scans for stuck sessions (PENDING or ACTIVE, silent for <see cref="SessionsOptions.StuckAfter"/>)
/// every quarter of that time (1 s to 1 min): logs each session when it becomes stuck and publishes the
/// count as <see cref="Diagnostics.InstrumentNames.SessionsStuck"/>, so operators are told without asking. Reads (the
/// <c>stuck</c> flag) and <c>ListStuckSessions</c> judge the same rule at the time of the call.
/// Every silo scans the same shared table, so each reports the cluster-wide count.
/// </summary>
public sealed partial class StuckSessionMonitor(
    ISessionStore store,
    HubClock clock,
    IOptions<SessionsOptions> options,
    SessionMetrics metrics,
    ILogger<StuckSessionMonitor> logger) : BackgroundService
{
    /// <summary>Most stuck sessions one scan reads (and logs at most 100 of).</summary>
    public const int MaxScanned = 100_000;

    private const int PageSize = 1000;
    private const int MaxLoggedPerScan = 100;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private HashSet<(string Cpo, string Id)> _known = [];

    /// <summary>Scans once; returns how many sessions are stuck now.</summary>
    public async Task<int> ScanAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = clock.UtcNow;
            var stuckAfter = options.Value.StuckAfter;
            var current = new HashSet<(string, string)>();
            var logged = 0;
            SessionPosition? after = null;
            while (current.Count < MaxScanned)
            {
                var page = await store.ListSilentAsync(now - stuckAfter, after, PageSize, cancellationToken);
                foreach (var session in page)
                {
                    var key = (session.Cpo.ToString(), session.Id);
                    current.Add(key);
                    if (!_known.Contains(key) && logged++ < MaxLoggedPerScan)
                    {
                        LogStuck(logger, key.Item1, session.Id, session.Status.ToString().ToUpperInvariant(), session.Emsp.ToString(), (now - session.ReceivedAt).TotalMinutes);
                    }
                }

                if (page.Count < PageSize)
                {
                    break;
                }

                var last = page[^1];
                after = new SessionPosition(last.ReceivedAt, last.Cpo.ToString(), last.Id);
            }

            _known = current;
            metrics.SetStuck(current.Count);
            return current.Count;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var quarter = options.Value.StuckAfter / 4;
        var period = quarter < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : quarter > TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : quarter;
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await ScanAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogScanFailed(logger, ex.GetType().Name);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 5501, Level = LogLevel.Warning, Message = "Session {Cpo} {SessionId} is stuck: {Status} for EMSP {Emsp}, no update for {Minutes:0.0} min")]
    private static partial void LogStuck(ILogger logger, string cpo, string sessionId, string status, string emsp, double minutes);

    [LoggerMessage(EventId = 5502, Level = LogLevel.Warning, Message = "Stuck-session scan failed ({ExceptionType}); next scan at the next period")]
    private static partial void LogScanFailed(ILogger logger, string exceptionType);
}
