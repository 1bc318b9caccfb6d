using System.Diagnostics;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Xunit.Abstractions;

namespace ClearingHouse.Server.Tests.Faults;

/// <summary>
/// The silo holding a CPO's status feed dies (SIGKILL) or stops (SIGTERM) while an EMSP follows the feed through it:
/// the EMSP resumes with its cursor on the survivor without a resync (issue 16, finding 4), and gets what it had not
/// read yet (all of it after a clean stop; after a kill, all that was written behind before the kill).
/// </summary>
[Collection(FaultTests.Name)]
public sealed class FeedFailoverTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);
    private static readonly DateTimeOffset T0 = Locations.LocationTestData.T0;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SubscribeStatus_SiloHoldingTheFeedLost_ResumesWithItsCursorOnTheSurvivorWithoutResync(bool kill)
    {
        await using var cluster = await TwoSiloCluster.CreateAsync();
        // A starts alone: the CPO's location and feed grains activate on it (the put publishes the EVSEs' statuses).
        var a = await cluster.StartAsync(cluster.SettingsA);
        var roaming = await Roaming.SetUpAsync(a);
        await new LocationService.LocationServiceClient(roaming.CpoChannel(a)).PutLocationAsync(new PutLocationRequest { Location = Location("LOC1", evses: 4) });
        var b = await cluster.StartAsync(cluster.SettingsB);
        Assert.Equal(2, await cluster.WaitForActiveSilosAsync(2, Patience));

        // Follow the feed through A and read 10 updates.
        var throughA = new LocationService.LocationServiceClient(roaming.EmspChannel(a));
        var subscription = throughA.SubscribeStatus(new SubscribeStatusRequest { Cpos = { roaming.Cpo } });
        var received = new List<StatusEvent>();
        var cursor = await FirstCursorAsync(subscription);
        await SendAsync(roaming.CpoChannel(a), 1, 10);
        cursor = await ReadUntilAsync(subscription, received, 10) ?? cursor;
        var lastRead = received[^1].Sequence;

        // 5 more that the subscriber does not read before the fault; the feed publishes them.
        await SendAsync(roaming.CpoChannel(a), 11, 5);
        var faultAt = Stopwatch.StartNew();
        if (kill)
        {
            await a.KillAsync();
        }
        else
        {
            var (exitCode, took) = await a.TerminateAsync(Patience);
            output.WriteLine($"SIGTERM: exit code {exitCode} after {took.TotalMilliseconds:0} ms");
        }

        subscription.Dispose();

        // Resume on B with the cursor; B answers Unavailable until the feed re-activates there (retry, as clients do).
        var throughB = new LocationService.LocationServiceClient(roaming.EmspChannel(b));
        AsyncServerStreamingCall<SubscribeStatusResponse>? resumed = null;
        var attempts = 0;
        while (resumed is null)
        {
            attempts++;
            var call = throughB.SubscribeStatus(new SubscribeStatusRequest { Cpos = { roaming.Cpo }, ResumeCursor = cursor });
            try
            {
                await FirstCursorAsync(call);
                resumed = call;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && faultAt.Elapsed < Patience)
            {
                call.Dispose();
                await Task.Delay(200);
            }
        }

        var resumedAfter = faultAt.Elapsed;
        using (resumed)
        {
            // What the feed retained of the 5 unread arrives first; then 5 new updates sent through B.
            await SendAsync(roaming.CpoChannel(b), 16, 5);
            var afterResume = new List<StatusEvent>();
            var resyncs = await ReadNewAsync(resumed, afterResume, evseSecondsAtLeast: 16, count: 5);
            var replayed = afterResume.Count(e => Seconds(e) is >= 11 and <= 15);
            output.WriteLine($"{(kill ? "SIGKILL" : "SIGTERM")}: resumed on the survivor {resumedAfter.TotalMilliseconds:0} ms after the fault ({attempts} attempts); resync signals {resyncs}; of 5 published-but-unread events {replayed} replayed; {afterResume.Count(e => Seconds(e) >= 16)} of 5 new ones received");

            Assert.True(resyncs == 0, $"{resyncs} resync signals after resuming on the survivor:{Environment.NewLine}{b.RecentOutput}");
            Assert.All(afterResume, e => Assert.True(e.Sequence > lastRead, $"event {e.Sequence} replayed although the cursor was at {lastRead}"));
            Assert.Equal(afterResume.Select(e => e.Sequence).Order(), afterResume.Select(e => e.Sequence));
            if (!kill)
            {
                // A clean stop writes everything: nothing published is lost.
                Assert.Equal(5, replayed);
            }
        }
    }

    private static double Seconds(StatusEvent e) => Math.Round((e.LastUpdated.ToDateTimeOffset() - T0).TotalSeconds);

    private static async Task SendAsync(global::Grpc.Net.Client.GrpcChannel cpo, int firstSecond, int count)
    {
        var client = new LocationService.LocationServiceClient(cpo);
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            try
            {
                using var call = client.StreamStatusUpdates(deadline: DateTime.UtcNow.AddSeconds(30));
                var request = new StreamStatusUpdatesRequest();
                for (var i = 0; i < count; i++)
                {
                    var second = firstSecond + i;
                    request.Updates.Add(new StatusUpdate
                    {
                        LocationId = "LOC1",
                        EvseUid = $"E{(second % 4) + 1}",
                        Status = (second - 1) / 4 % 2 == 0 ? EvseStatus.Charging : EvseStatus.Available, // each EVSE changes every time
                        LastUpdated = Timestamp.FromDateTimeOffset(T0.AddSeconds(second)),
                    });
                }

                await call.RequestStream.WriteAsync(request);
                await call.RequestStream.CompleteAsync();
                var summary = await call.ResponseAsync;
                Assert.True(summary.Accepted == count, $"accepted {summary.Accepted} of {count}: {summary}");
                return;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    private static async Task<string> FirstCursorAsync(AsyncServerStreamingCall<SubscribeStatusResponse> call)
    {
        using var cts = new CancellationTokenSource(Patience);
        Assert.True(await call.ResponseStream.MoveNext(cts.Token), "the subscription ended before its first message");
        Assert.Equal(SubscribeStatusResponse.KindOneofCase.SubscribedCursor, call.ResponseStream.Current.KindCase);
        return call.ResponseStream.Current.SubscribedCursor;
    }

    // Reads batches until `count` events are in `received`; returns the last cursor.
    private static async Task<string?> ReadUntilAsync(AsyncServerStreamingCall<SubscribeStatusResponse> call, List<StatusEvent> received, int count)
    {
        using var cts = new CancellationTokenSource(Patience);
        string? cursor = null;
        while (received.Count < count)
        {
            Assert.True(await call.ResponseStream.MoveNext(cts.Token), $"the subscription ended after {received.Count} events");
            var message = call.ResponseStream.Current;
            Assert.True(message.KindCase == SubscribeStatusResponse.KindOneofCase.Batch, $"unexpected {message}");
            received.AddRange(message.Batch.Events);
            cursor = message.Batch.Cursor;
        }

        return cursor;
    }

    // Reads until `count` events of T0 + evseSecondsAtLeast or later arrived; returns the resync signals seen.
    private static async Task<int> ReadNewAsync(AsyncServerStreamingCall<SubscribeStatusResponse> call, List<StatusEvent> received, int evseSecondsAtLeast, int count)
    {
        using var cts = new CancellationTokenSource(Patience);
        var resyncs = 0;
        while (received.Count(e => Seconds(e) >= evseSecondsAtLeast) < count)
        {
            Assert.True(await call.ResponseStream.MoveNext(cts.Token), $"the resumed subscription ended after {received.Count} events");
            var message = call.ResponseStream.Current;
            if (message.KindCase == SubscribeStatusResponse.KindOneofCase.ResyncRequired)
            {
                resyncs++;
                continue;
            }

            received.AddRange(message.Batch.Events);
        }

        return resyncs;
    }

    private static Location Location(string id, int evses) => Locations.LocationTestData.Location(id, evses);
}
