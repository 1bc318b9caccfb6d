using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;

namespace ClearingHouse.Server.Tests.Faults;

/// <summary>
/// Every call a fault test made while the fault happened: when it started and ended (ms on one clock), what it was,
/// and its status; for counting failures around a moment and printing the figures.
/// </summary>
public sealed class CallLog
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentQueue<Call> _calls = new();

    /// <summary>One call.</summary>
    public sealed record Call(string Kind, double StartMs, double EndMs, StatusCode Status, string Detail);

    /// <summary>Milliseconds on the log's clock.</summary>
    public double Now => _clock.Elapsed.TotalMilliseconds;

    /// <summary>All calls so far.</summary>
    public IReadOnlyList<Call> Calls => [.. _calls];

    /// <summary>Runs <paramref name="call"/> and records it; an RpcException is recorded, not thrown.</summary>
    public async Task<bool> RunAsync(string kind, Func<Task> call)
    {
        var start = Now;
        try
        {
            await call();
            _calls.Enqueue(new Call(kind, start, Now, StatusCode.OK, ""));
            return true;
        }
        catch (RpcException ex)
        {
            _calls.Enqueue(new Call(kind, start, Now, ex.StatusCode, ex.Status.Detail));
            return false;
        }
    }

    /// <summary>Calls <paramref name="call"/> in a loop until <paramref name="stop"/> is cancelled.</summary>
    public Task LoopAsync(string kind, Func<int, Task> call, CancellationToken stop) => Task.Run(async () =>
    {
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            if (!await RunAsync(kind, () => call(i)))
            {
                // A failed call is retried at once by real clients too, but not in a tight loop.
                await Task.Delay(20, CancellationToken.None);
            }
        }
    }, CancellationToken.None);

    /// <summary>Waits until <paramref name="count"/> calls of <paramref name="kind"/> that started after <paramref name="afterMs"/> succeeded.</summary>
    public async Task WaitForSuccessesAsync(string kind, int count, double afterMs, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (_calls.Count(c => c.Kind == kind && c.Status == StatusCode.OK && c.StartMs >= afterMs) < count)
        {
            if (cts.IsCancellationRequested)
            {
                throw new TimeoutException($"fewer than {count} {kind} calls succeeded after {afterMs:0} ms within {timeout}:{Environment.NewLine}{Summary()}");
            }

            await Task.Delay(50, CancellationToken.None);
        }
    }

    /// <summary>The failed calls, one line each, and the totals.</summary>
    public string Summary()
    {
        var calls = Calls;
        var failed = calls.Where(c => c.Status != StatusCode.OK).ToList();
        var lines = failed.Take(40).Select(c => $"  {c.Kind} {c.StartMs:0}-{c.EndMs:0} ms {c.Status} {c.Detail}");
        return $"{calls.Count} calls, {failed.Count} failed{Environment.NewLine}{string.Join(Environment.NewLine, lines)}";
    }
}
