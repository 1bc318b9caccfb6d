using ClearingHouse.Contracts.V1;
using ClearingHouse.LoadTests.Hub;
using Grpc.Core;

namespace ClearingHouse.LoadTests.Scenarios.Shared;

/// <summary>One SubscribeStatus stream per EMSP (all its agreement CPOs), counting the status events they receive.</summary>
public sealed class StatusWatchers(ConnectionSet connections, RoamingNetwork network, TextWriter log) : EmspWatchers(connections, network, log)
{
    /// <inheritdoc />
    protected override string Activity => "subscribed to status";

    /// <summary>Waits (at most 5 s, not at all once the streams ended, e.g. the hub went away) until every EMSP received <paramref name="accepted"/> events and says how many arrived.</summary>
    public Task ReportAsync(long accepted)
    {
        var expected = accepted * Network.Emsps.Count;
        return WaitThenLogAsync(expected, () => $"status watchers received {Events} events for {accepted} accepted updates x {Network.Emsps.Count} EMSPs = {expected}");
    }

    /// <summary>Live at its first, subscribed message.</summary>
    protected override async Task WatchAsync(TestCredential emsp, TaskCompletionSource started, CancellationToken cancellationToken)
    {
        var client = new LocationService.LocationServiceClient(Connections[0]);
        using var call = client.SubscribeStatus(new SubscribeStatusRequest(), Bearer.Headers(emsp.Secret), cancellationToken: cancellationToken);
        await foreach (var message in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            if (message.KindCase == SubscribeStatusResponse.KindOneofCase.SubscribedCursor)
            {
                started.TrySetResult();
            }
            else if (message.KindCase == SubscribeStatusResponse.KindOneofCase.Batch)
            {
                Count(message.Batch.Events.Count);
            }
        }
    }
}
