using ClearingHouse.Application.Cdrs;
using ClearingHouse.Application.Commands;
using ClearingHouse.Application.Locations;
using ClearingHouse.Application.Tokens;
using ClearingHouse.Grains.Diagnostics;
using ClearingHouse.Grains.Locations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ClearingHouse.Application.Diagnostics;

/// <summary>
/// Points the queue-depth gauge (<see cref="InstrumentNames.QueueDepth"/>) at every bounded queue of the core at start:
/// each owner exposes a count read only when metrics are collected, so enqueueing pays nothing for it. A part a host
/// leaves out (a test host without CDR subscriptions) simply reports 0.
/// </summary>
public sealed class QueueGauges(QueueMetrics queues, IServiceProvider services) : IHostedService
{
    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        Track<StatusSubscriptionHub>(HubQueue.StatusSubscriber, static h => h.QueuedEvents);
        Track<CdrSubscriptionHub>(HubQueue.CdrSubscriber, static h => h.QueuedBatches);
        Track<MspChannelHub>(HubQueue.MspChannelOutbox, static h => h.QueuedMessages);
        Track<CommandChannelHub>(HubQueue.CommandChannelOutbox, static h => h.QueuedMessages);
        Track<StatusWriteBehind>(HubQueue.StatusWriteBehind, static w => w.PendingCount);
        Track<AuthorizationJournal>(HubQueue.AuthorizationJournal, static j => j.Queued);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Track<T>(HubQueue queue, Func<T, long> depth)
        where T : class
    {
        if (services.GetService<T>() is { } owner)
        {
            queues.TrackDepth(queue, () => depth(owner));
        }
    }
}
