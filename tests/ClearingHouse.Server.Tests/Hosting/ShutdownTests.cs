using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using Grpc.Core;

namespace ClearingHouse.Server.Tests.Hosting;

/// <summary>SIGTERM on a real hub process with long-lived streams open, as an orchestrator stops a pod.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task Sigterm_WithOpenStreams_StreamsEndUnavailableAndExitZeroBeforeTheTimeout()
    {
        using var data = new TempDirectory();
        var settings = HubProcess.Settings.Embedded(data.Path);
        // A long timeout: before the fix, open streams held the process for all of it and it ended with exit 134.
        settings = settings with { Values = new Dictionary<string, string>(settings.Values) { ["Hub:ShutdownTimeout"] = "00:02:00" } };
        await using var hub = await HubProcess.StartAsync(settings);
        var op = hub.Channel(hub.OperatorSecret);
        var cpo = Parties.Unique(PartyRole.Cpo);
        var emsp = Parties.Unique(PartyRole.Emsp);
        await Parties.RegisterWithCredentialAsync(op, cpo);
        var emspSecret = await Parties.RegisterWithCredentialAsync(op, emsp);
        await new PartyAdminService.PartyAdminServiceClient(op).SetAgreementAsync(new SetAgreementRequest { Cpo = cpo, Emsp = emsp });

        var emspChannel = hub.Channel(emspSecret);
        using var subscription = new LocationService.LocationServiceClient(emspChannel).SubscribeStatus(new SubscribeStatusRequest());
        using var authorizations = new TokenService.TokenServiceClient(emspChannel).AuthorizationChannel();
        using var ready = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Assert.True(await subscription.ResponseStream.MoveNext(ready.Token), "the subscription sent nothing before the stop");
        Assert.True(await authorizations.ResponseStream.MoveNext(ready.Token), "the channel sent nothing before the stop");

        // Read on, as a partner does: the end of each stream is what the partner sees of the stop.
        var subscriptionEnd = Drain(subscription.ResponseStream);
        var channelEnd = Drain(authorizations.ResponseStream);
        var (exitCode, took) = await hub.TerminateAsync(TimeSpan.FromSeconds(100));

        Assert.True(exitCode == 0, $"exit code {exitCode} after {took}:{Environment.NewLine}{hub.RecentOutput}");
        // Far below the 2-minute timeout it used to wait out; generous for a loaded CI machine.
        Assert.True(took < TimeSpan.FromSeconds(60), $"the hub took {took} to stop:{Environment.NewLine}{hub.RecentOutput}");
        await AssertEndedUnavailable(() => subscriptionEnd);
        await AssertEndedUnavailable(() => channelEnd);
        Assert.DoesNotContain("Unhandled exception", hub.RecentOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("fail:", hub.RecentOutput, StringComparison.Ordinal);
    }

    private static async Task Drain<T>(IAsyncStreamReader<T> stream)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await stream.MoveNext(cts.Token))
        {
        }
    }

    private static async Task AssertEndedUnavailable(Func<Task> drain)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(drain);
        // Unavailable with the hub's reason; a reset of the connection (also Unavailable) would have no such text.
        Assert.True(ex.StatusCode == StatusCode.Unavailable && ex.Status.Detail.Contains("shutting down", StringComparison.Ordinal), $"the stream ended with {ex.Status}");
    }
}
