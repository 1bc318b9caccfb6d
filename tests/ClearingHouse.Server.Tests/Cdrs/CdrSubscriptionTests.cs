using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Credentials;
using ClearingHouse.Server.Tests.Infrastructure;
using Grpc.Core;
using static ClearingHouse.Server.Tests.Infrastructure.Parties;

namespace ClearingHouse.Server.Tests.Cdrs;

/// <summary>CdrService.SubscribeCdrs: live delivery, resume with a cursor, overflow, and delivery across silos.</summary>
public sealed class CdrSubscriptionTests(EmbeddedHubFixture fixture) : IClassFixture<EmbeddedHubFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private HubHost Hub => fixture.Hub;

    private static async Task<Roaming> SetUpAsync(HubHost hub)
    {
        var roaming = await Roaming.SetUpAsync(hub);
        await new TariffService.TariffServiceClient(roaming.CpoChannel(hub)).PutTariffAsync(new PutTariffRequest { OcpiJson = Roaming.MinPriceTariff });
        return roaming;
    }

    private static Task SubmitAsync(HubHost hub, Roaming roaming, params string[] ids)
    {
        var request = new SubmitCdrBatchRequest();
        request.Cdrs.AddRange(ids.Select(id => roaming.Cdr(id)));
        return new CdrService.CdrServiceClient(roaming.CpoChannel(hub)).SubmitCdrBatchAsync(request).ResponseAsync;
    }

    // Reads events until `count` have arrived; returns them and the cursor of the last message.
    private static async Task<(List<CdrEvent> Events, string Cursor)> ReadAsync(AsyncServerStreamingCall<SubscribeCdrsResponse> call, int count)
    {
        using var timeout = new CancellationTokenSource(Wait);
        var events = new List<CdrEvent>();
        var cursor = "";
        while (events.Count < count && await call.ResponseStream.MoveNext(timeout.Token))
        {
            events.AddRange(call.ResponseStream.Current.Events);
            cursor = call.ResponseStream.Current.Cursor;
        }

        return (events, cursor);
    }

    private static async Task<string> SubscribedAsync(AsyncServerStreamingCall<SubscribeCdrsResponse> call)
    {
        using var timeout = new CancellationTokenSource(Wait);
        Assert.True(await call.ResponseStream.MoveNext(timeout.Token));
        Assert.Empty(call.ResponseStream.Current.Events);
        return call.ResponseStream.Current.Cursor;
    }

    [Fact]
    public async Task SubscribeCdrs_Live_ReceivesOwnTokensCdrsInOrderWithCursors()
    {
        var roaming = await SetUpAsync(Hub);
        var other = await SetUpAsync(Hub);
        using var call = new CdrService.CdrServiceClient(roaming.EmspChannel(Hub)).SubscribeCdrs(new SubscribeCdrsRequest());
        var start = await SubscribedAsync(call);

        await SubmitAsync(Hub, other, "NOT-MINE");
        await SubmitAsync(Hub, roaming, "L1", "L2");
        await SubmitAsync(Hub, roaming, "L3");
        var (events, cursor) = await ReadAsync(call, 3);

        Assert.NotEmpty(start);
        Assert.Equal(["L1", "L2", "L3"], events.Select(e => e.Cdr.Id).Order());
        Assert.Equal("L3", events[^1].Cdr.Id);
        Assert.All(events, e => Assert.Equal(roaming.Emsp, e.Cdr.Emsp));
        Assert.Equal(3, events.Select(e => e.Cursor).Distinct().Count());
        Assert.Equal(events[^1].Cursor, cursor);
        Assert.Equal(PriceCheckStatus.Matched, events[0].Cdr.PriceCheck);
    }

    [Fact]
    public async Task SubscribeCdrs_ResumedWithLastCursor_ReplaysMissedWithNoGapNoDuplicate()
    {
        var roaming = await SetUpAsync(Hub);
        var client = new CdrService.CdrServiceClient(roaming.EmspChannel(Hub));
        string cursor;
        using (var call = client.SubscribeCdrs(new SubscribeCdrsRequest()))
        {
            await SubscribedAsync(call);
            await SubmitAsync(Hub, roaming, "R1", "R2");
            (_, cursor) = await ReadAsync(call, 2);
        }

        // Disconnected meanwhile: these must come on resume, and R1/R2 must not come again.
        await SubmitAsync(Hub, roaming, "R3", "R4");
        await SubmitAsync(Hub, roaming, "R5");
        using var resumed = client.SubscribeCdrs(new SubscribeCdrsRequest { ResumeCursor = cursor });
        Assert.Equal(cursor, await SubscribedAsync(resumed));
        await SubmitAsync(Hub, roaming, "R6");
        var (events, _) = await ReadAsync(resumed, 4);

        Assert.Equal(["R3", "R4", "R5", "R6"], events.Select(e => e.Cdr.Id).Order());
        Assert.Equal("R6", events[^1].Cdr.Id);
    }

    [Fact]
    public async Task SubscribeCdrs_FromBeginning_ReplaysStoredThenLive()
    {
        var roaming = await SetUpAsync(Hub);
        await SubmitAsync(Hub, roaming, "B1", "B2");
        using var call = new CdrService.CdrServiceClient(roaming.EmspChannel(Hub)).SubscribeCdrs(new SubscribeCdrsRequest { FromBeginning = true });
        await SubscribedAsync(call);
        var (stored, _) = await ReadAsync(call, 2);
        await SubmitAsync(Hub, roaming, "B3");
        var (live, _) = await ReadAsync(call, 1);

        Assert.Equal(["B1", "B2", "B3"], stored.Concat(live).Select(e => e.Cdr.Id).Order());
    }

    [Fact]
    public async Task SubscribeCdrs_BadCallers_Refused()
    {
        var roaming = await SetUpAsync(Hub);
        var other = await SetUpAsync(Hub);
        using var call = new CdrService.CdrServiceClient(roaming.EmspChannel(Hub)).SubscribeCdrs(new SubscribeCdrsRequest());
        var cursor = await SubscribedAsync(call);

        await AssertFails(StatusCode.PermissionDenied, () => SubscribedAsync(new CdrService.CdrServiceClient(roaming.CpoChannel(Hub)).SubscribeCdrs(new SubscribeCdrsRequest())));
        await AssertFails(StatusCode.InvalidArgument, () => SubscribedAsync(new CdrService.CdrServiceClient(other.EmspChannel(Hub)).SubscribeCdrs(new SubscribeCdrsRequest { ResumeCursor = cursor })));
        await AssertFails(StatusCode.InvalidArgument, () => SubscribedAsync(new CdrService.CdrServiceClient(roaming.EmspChannel(Hub)).SubscribeCdrs(new SubscribeCdrsRequest { ResumeCursor = "not-a-cursor" })));
    }

    [Fact]
    public async Task SubscribeCdrs_SubscriberNotReading_CutWithResourceExhaustedThenResumesWithEverything()
    {
        using var data = new TempDirectory();
        await using var hub = await HubHost.StartEmbeddedAsync(data.Path, settings: new Dictionary<string, string?>
        {
            ["Cdrs:SubscriberBatchSize"] = "50",
            ["Cdrs:SubscriberQueueCdrs"] = "100",
            ["Cdrs:SubscriberStallTimeout"] = "00:00:00.300",
        });
        var roaming = await SetUpAsync(hub);
        var client = new CdrService.CdrServiceClient(roaming.EmspChannel(hub));
        var ids = Enumerable.Range(0, 3000).Select(i => $"S{i:D4}").ToArray();
        using var call = client.SubscribeCdrs(new SubscribeCdrsRequest());
        await SubscribedAsync(call);
        foreach (var chunk in ids.Chunk(500))
        {
            await SubmitAsync(hub, roaming, chunk);
        }

        // Not reading: flow control fills, then the hub's queue, which stays full past the stall timeout.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var received = new List<string>();
        var cursor = "";
        var cut = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                received.AddRange(call.ResponseStream.Current.Events.Select(e => e.Cdr.Id));
                cursor = call.ResponseStream.Current.Cursor;
            }
        });
        Assert.Equal(StatusCode.ResourceExhausted, cut.StatusCode);
        Assert.Contains("resume_cursor", cut.Status.Detail, StringComparison.Ordinal);
        Assert.InRange(received.Count, 1, ids.Length - 1);

        using var resumed = client.SubscribeCdrs(new SubscribeCdrsRequest { ResumeCursor = cursor });
        await SubscribedAsync(resumed);
        var (rest, _) = await ReadAsync(resumed, ids.Length - received.Count);

        received.AddRange(rest.Select(e => e.Cdr.Id));
        Assert.Equal(ids, received.Order());
    }

    [Fact]
    public async Task SubscribeCdrs_TwoSiloCluster_SubmittedThroughOneReceivedOnTheOther()
    {
        var clusterId = $"ch-test-{Guid.NewGuid():N}";
        var operatorSecret = CredentialSecret.Generate(party: null).Text;
        var postgres = await TestServices.CreateDatabaseAsync();
        try
        {
            await using var a = await HubHost.StartClusterAsync(clusterId, postgres, operatorSecret);
            await using var b = await HubHost.StartClusterAsync(clusterId, postgres, operatorSecret, new Dictionary<string, string?>
            {
                // Long enough that only the doorbell from silo A can deliver within the test's wait.
                ["Cdrs:SubscriberPollInterval"] = "00:01:00",
            });
            var roaming = await SetUpAsync(a);
            var client = new CdrService.CdrServiceClient(roaming.EmspChannel(b));
            using var call = client.SubscribeCdrs(new SubscribeCdrsRequest());
            await SubscribedAsync(call);

            var started = DateTime.UtcNow;
            await SubmitAsync(a, roaming, "X1", "X2");
            await SubmitAsync(a, roaming, "X3");
            var (events, cursor) = await ReadAsync(call, 3);

            Assert.Equal(["X1", "X2", "X3"], events.Select(e => e.Cdr.Id).Order());
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15));

            // Resume through the other silo: nothing again, then only the new one.
            using var resumed = new CdrService.CdrServiceClient(roaming.EmspChannel(a)).SubscribeCdrs(new SubscribeCdrsRequest { ResumeCursor = cursor });
            await SubscribedAsync(resumed);
            await SubmitAsync(b, roaming, "X4");
            var (next, _) = await ReadAsync(resumed, 1);
            Assert.Equal("X4", Assert.Single(next).Cdr.Id);
        }
        finally
        {
            await TestServices.DropDatabaseAsync(postgres);
        }
    }
}
