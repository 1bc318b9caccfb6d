using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Xunit.Abstractions;

namespace ClearingHouse.Server.Tests.Faults;

/// <summary>
/// SIGTERM while an EMSP's status subscription does not read (its HTTP/2 window full, the hub's writes to it
/// blocked): the hub still stops within Hub:ShutdownTimeout (issue 16, finding 5; such a partner was seen holding
/// the stop until the timeout).
/// </summary>
[Collection(FaultTests.Name)]
public sealed class ShutdownUnderLoadTests(ITestOutputHelper output)
{
    private const int Evses = 50;
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Sigterm_PartnersNotReadingTheirStreams_StopsWithinTheShutdownTimeout()
    {
        using var data = new TempDirectory();
        var settings = HubProcess.Settings.Embedded(data.Path);
        settings = settings with { Values = new Dictionary<string, string>(settings.Values) { ["Hub:ShutdownTimeout"] = ShutdownTimeout.ToString() } };
        await using var hub = await HubProcess.StartAsync(settings);
        var roaming = await Roaming.SetUpAsync(hub);
        var cpo = new LocationService.LocationServiceClient(roaming.CpoChannel(hub));
        await cpo.PutLocationAsync(new PutLocationRequest { Location = Locations.LocationTestData.Location("LOC1", Evses) });

        // Subscribes, reads the first message, then never reads again.
        using var stalled = new LocationService.LocationServiceClient(roaming.EmspChannel(hub)).SubscribeStatus(new SubscribeStatusRequest());
        using (var first = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            Assert.True(await stalled.ResponseStream.MoveNext(first.Token));
        }

        // Far more than the HTTP/2 windows hold: the hub's writes to the subscriber block.
        var t0 = Locations.LocationTestData.T0;
        using (var call = cpo.StreamStatusUpdates())
        {
            for (var round = 1; round <= 600; round++)
            {
                var request = new StreamStatusUpdatesRequest();
                for (var e = 1; e <= Evses; e++)
                {
                    request.Updates.Add(new StatusUpdate
                    {
                        LocationId = "LOC1",
                        EvseUid = $"E{e}",
                        Status = round % 2 == 0 ? EvseStatus.Available : EvseStatus.Charging,
                        LastUpdated = Timestamp.FromDateTimeOffset(t0.AddSeconds(round)),
                    });
                }

                await call.RequestStream.WriteAsync(request);
            }

            await call.RequestStream.CompleteAsync();
            var summary = await call.ResponseAsync;
            output.WriteLine($"status updates accepted before the stop: {summary.Accepted}");
        }

        // And partners in the middle of their streams: an EMSP channel and a CDR feed never read, a CPO status
        // stream left open.
        using var channel = new TokenService.TokenServiceClient(roaming.EmspChannel(hub)).AuthorizationChannel();
        using var cdrFeed = new CdrService.CdrServiceClient(roaming.EmspChannel(hub)).SubscribeCdrs(new SubscribeCdrsRequest());
        using var open = cpo.StreamStatusUpdates();
        await open.RequestStream.WriteAsync(new StreamStatusUpdatesRequest
        {
            Updates = { new StatusUpdate { LocationId = "LOC1", EvseUid = "E1", Status = EvseStatus.Blocked, LastUpdated = Timestamp.FromDateTimeOffset(t0.AddSeconds(1000)) } },
        });

        var (exitCode, took) = await hub.TerminateAsync(ShutdownTimeout * 3);
        output.WriteLine($"SIGTERM with partners that do not read their streams: exit code {exitCode} after {took.TotalMilliseconds:0} ms (Hub:ShutdownTimeout {ShutdownTimeout.TotalSeconds:0} s)");
        // The target is "within Hub:ShutdownTimeout". The EMSP channel whose responses are not read held the stop for
        // the whole timeout (Kestrel waited for its connection, the end of the stream blocked on flow control);
        // StopConnectionReaper now closes connections still open a grace after the stop began (5 s here). Half the
        // timeout leaves a slow machine room and fails on the old behaviour.
        Assert.True(took < ShutdownTimeout / 2, $"the hub took {took} to stop (timeout {ShutdownTimeout}):{Environment.NewLine}{hub.RecentOutput}");
        Assert.True(exitCode == 0, $"exit code {exitCode} after {took}:{Environment.NewLine}{hub.RecentOutput}");
        // Issue 17: after a status storm the stop logged 1,751 "Error thrown from OnDeactivateAsync" (~16,000 lines).
        Assert.False(hub.RecentOutput.Contains("OnDeactivateAsync", StringComparison.Ordinal), $"a grain failed to deactivate at the stop:{Environment.NewLine}{hub.RecentOutput}");
    }
}
