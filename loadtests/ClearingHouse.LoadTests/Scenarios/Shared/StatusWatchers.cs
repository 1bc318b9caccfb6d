using ClearingHouse.Contracts.V1;
using ClearingHouse.LoadTests.Hub;
using Grpc.Core;

namespace ClearingHouse.LoadTests.Scenarios.Shared;

/// <summary>One SubscribeStatus stream per EMSP (all its agreement CPOs), counting the status events they receive.</summary>
public sealed class StatusWatchers(ConnectionSet connections, RoamingNetwork network, TextWriter log) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _watchers = [];
    private long _events;

    /// <summary>Status events received so far, summed over the EMSPs.</summary>
    public long Events => Interlocked.Read(ref _events);

    /// <summary>Opens the subscriptions and waits until each is live (its first, subscribed message).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var ready = new List<Task>();
        foreach (var emsp in network.Emsps)
        {
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            ready.Add(started.Task);
            _watchers.Add(WatchAsync(emsp, started));
        }

        await Task.WhenAll(ready).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        await log.WriteLineAsync($"{network.Emsps.Count} EMSPs subscribed to status");
    }

    /// <summary>Waits (at most 5 s, not at all once the streams ended, e.g. the hub went away) until every EMSP received <paramref name="accepted"/> events and says how many arrived.</summary>
    public async Task ReportAsync(long accepted)
    {
        var expected = accepted * network.Emsps.Count;
        var until = DateTime.UtcNow.AddSeconds(5);
        while (Events < expected && DateTime.UtcNow < until && !_watchers.TrueForAll(w => w.IsCompleted))
        {
            await Task.Delay(100);
        }

        await log.WriteLineAsync($"status watchers received {Events} events for {accepted} accepted updates x {network.Emsps.Count} EMSPs = {expected}");
    }

    /// <summary>Closes the subscriptions.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_watchers).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception)
        {
            // The watchers end with the run; their status is of no interest.
        }

        _stop.Dispose();
    }

    private async Task WatchAsync(TestCredential emsp, TaskCompletionSource started)
    {
        try
        {
            var client = new LocationService.LocationServiceClient(connections[0]);
            using var call = client.SubscribeStatus(new SubscribeStatusRequest(), Bearer.Headers(emsp.Secret), cancellationToken: _stop.Token);
            await foreach (var message in call.ResponseStream.ReadAllAsync(_stop.Token))
            {
                if (message.KindCase == SubscribeStatusResponse.KindOneofCase.SubscribedCursor)
                {
                    started.TrySetResult();
                }
                else if (message.KindCase == SubscribeStatusResponse.KindOneofCase.Batch)
                {
                    Interlocked.Add(ref _events, message.Batch.Events.Count);
                }
            }
        }
        catch (Exception ex)
        {
            started.TrySetException(ex);
        }
    }
}
