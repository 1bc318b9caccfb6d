using ClearingHouse.Ocpi.Outbound;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ClearingHouse.Ocpi.Push;

/// <summary>
/// On every silo, every few seconds: each registered platform this silo's <see cref="OcpiPartnerDirectory"/> knows
/// gets its <see cref="IOcpiPushGrain"/> ensured (one activation in the cluster follows its feeds; a call to a running
/// one is a no-op). So pushes start soon after a registration, and resume after a restart or a silo's death.
/// </summary>
internal sealed partial class OcpiPushStarter(
    OcpiPartnerDirectory directory,
    IGrainFactory grains,
    ILogger<OcpiPushStarter> logger) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(2);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // No grain call before the host has started (one while the silo joins its cluster would wait for the
        // membership): the directory lists no platform before its first read, which waits for the start.
        using var timer = new PeriodicTimer(Period);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await Task.WhenAll(directory.All.Select(l => grains.GetGrain<IOcpiPushGrain>(l.Party.ToString()).Ensure()));
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogEnsureFailed(logger, ex.GetType().Name);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host stops.
        }
    }

    [LoggerMessage(EventId = 9542, Level = LogLevel.Debug, Message = "OCPI push start-up check failed ({ExceptionType}); retrying")]
    private static partial void LogEnsureFailed(ILogger logger, string exceptionType);
}
