using ClearingHouse.Application.Tokens;
using System.Diagnostics;
using ClearingHouse.Server.Tokens;

namespace ClearingHouse.Server.Tests.Tokens;

/// <summary>The EMSP wait of <see cref="MspChannelHub"/>, without a hub.</summary>
public sealed class MspChannelHubUnitTests
{
    [Fact]
    public async Task WaitFullyAsync_NoAnswer_TimesOutNeverBeforeTheDeadline()
    {
        // Guards the contract. (A plain WaitAsync did not fire early here in isolation; the early
        // fallbacks this prevents showed under load, in authorize-burst with AUTHORIZE_MSP_SILENT=1.)
        var timeout = TimeSpan.FromMilliseconds(20);
        var waits = Enumerable.Range(0, 200).Select(async _ =>
        {
            var started = Stopwatch.GetTimestamp();
            await Assert.ThrowsAsync<TimeoutException>(() => MspChannelHub.WaitFullyAsync(new TaskCompletionSource<int>().Task, started, timeout));
            return Stopwatch.GetElapsedTime(started);
        });

        var elapsed = await Task.WhenAll(waits);

        Assert.All(elapsed, e => Assert.True(e >= timeout, $"gave up after {e.TotalMilliseconds:0.00} ms"));
    }

    [Fact]
    public async Task WaitFullyAsync_AnswerInTime_ReturnsIt()
    {
        var answer = new TaskCompletionSource<int>();
        var wait = MspChannelHub.WaitFullyAsync(answer.Task, Stopwatch.GetTimestamp(), TimeSpan.FromSeconds(30));
        answer.SetResult(7);
        Assert.Equal(7, await wait);
    }
}
