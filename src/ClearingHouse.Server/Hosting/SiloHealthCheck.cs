using ClearingHouse.Grains.Parties;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ClearingHouse.Server.Hosting;

/// <summary>Healthy when this silo can reach the party registry grain and its durable storage.</summary>
public sealed class SiloHealthCheck(PartyDirectory directory) : IHealthCheck
{
    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var view = await directory.GetAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            return HealthCheckResult.Healthy($"registry version {view.Snapshot.Version}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("the party registry is unreachable", ex);
        }
    }
}
