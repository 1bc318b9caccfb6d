using ClearingHouse.LoadTests.Hub;

namespace ClearingHouse.LoadTests.Scenarios.Shared;

/// <summary>
/// One subscription stream per EMSP of the network, counting the events they receive: opened together and
/// live before the load starts, waited for at the end, closed together. Subclasses open and read the stream.
/// </summary>
public abstract class EmspWatchers : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _watchers = [];
    private readonly TextWriter _log;
    private long _events;

    /// <summary>Creates the watchers of <paramref name="network"/>'s EMSPs, reporting to <paramref name="log"/>.</summary>
    protected EmspWatchers(ConnectionSet connections, RoamingNetwork network, TextWriter log)
    {
        Connections = connections;
        Network = network;
        _log = log;
    }

    /// <summary>Events received so far, summed over the EMSPs.</summary>
    public long Events => Interlocked.Read(ref _events);

    /// <summary>The connections to the hub.</summary>
    protected ConnectionSet Connections { get; }

    /// <summary>The network whose EMSPs watch.</summary>
    protected RoamingNetwork Network { get; }

    /// <summary>What the start line says the EMSPs do, e.g. "subscribed to status".</summary>
    protected abstract string Activity { get; }

    /// <summary>Opens the subscriptions and waits until each is live.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var ready = new List<Task>();
        foreach (var emsp in Network.Emsps)
        {
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            ready.Add(started.Task);
            _watchers.Add(RunAsync(emsp, started));
        }

        await Task.WhenAll(ready).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        await _log.WriteLineAsync($"{Network.Emsps.Count} EMSPs {Activity}");
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
        GC.SuppressFinalize(this);
    }

    /// <summary>Waits (at most 5 s, not at all once the streams ended, e.g. the hub went away) until <paramref name="expected"/> events arrived, then logs <paramref name="report"/>.</summary>
    protected async Task WaitThenLogAsync(long expected, Func<string> report)
    {
        var until = DateTime.UtcNow.AddSeconds(5);
        while (Events < expected && DateTime.UtcNow < until && !_watchers.TrueForAll(w => w.IsCompleted))
        {
            await Task.Delay(100);
        }

        await _log.WriteLineAsync(report());
    }

    /// <summary>Counts <paramref name="events"/> received.</summary>
    protected void Count(int events) => Interlocked.Add(ref _events, events);

    /// <summary>Subscribes as <paramref name="emsp"/>, completes <paramref name="started"/> once live, then reads (and counts) until the stream ends.</summary>
    protected abstract Task WatchAsync(TestCredential emsp, TaskCompletionSource started, CancellationToken cancellationToken);

    private async Task RunAsync(TestCredential emsp, TaskCompletionSource started)
    {
        try
        {
            await WatchAsync(emsp, started, _stop.Token);
        }
        catch (Exception ex)
        {
            started.TrySetException(ex);
        }
    }
}
