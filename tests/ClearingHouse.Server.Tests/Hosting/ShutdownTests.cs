using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using Grpc.Core;
using Xunit.Abstractions;

namespace ClearingHouse.Server.Tests.Hosting;

/// <summary>SIGTERM on a real hub process with long-lived streams open, as an orchestrator stops a pod.</summary>
public sealed class ShutdownTests(ITestOutputHelper output)
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
        // Everything the partner saw and the hub wrote, in every failure message: this test failed in group runs
        // with nothing to go on.
        var seen = $"exit code {exitCode} after {took.TotalMilliseconds:0} ms; subscription {await EndOf(subscriptionEnd)}; channel {await EndOf(channelEnd)}; the hub wrote:{Environment.NewLine}{hub.RecentOutput}";
        output.WriteLine(seen);

        Assert.True(exitCode == 0, seen);
        // Far below the 2-minute timeout it used to wait out; generous for a loaded CI machine.
        Assert.True(took < TimeSpan.FromSeconds(60), $"the hub took too long to stop: {seen}");
        Assert.True(EndedUnavailable(subscriptionEnd), $"the subscription did not end Unavailable 'shutting down': {seen}");
        Assert.True(EndedUnavailable(channelEnd), $"the channel did not end Unavailable 'shutting down': {seen}");
        Assert.False(hub.RecentOutput.Contains("Unhandled exception", StringComparison.Ordinal), $"the hub wrote an unhandled exception: {seen}");
        Assert.True(Failures(hub.RecentOutput).Count == 0, $"the hub logged a failure: {seen}");
    }

    // The error-level log entries ("fail: Category[id]"), except Orleans' report that this process was paused (a
    // machine stall: the lead of a test run may SIGSTOP every process for a quiet measurement), which says nothing of
    // the stop.
    private static List<string> Failures(string log) =>
        [.. log.Split('\n').Where(l => l.Contains("fail:", StringComparison.Ordinal) && !l.Contains("fail: Orleans.Runtime.MembershipService.LocalSiloHealthMonitor[", StringComparison.Ordinal))];

    private static async Task Drain<T>(IAsyncStreamReader<T> stream)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await stream.MoveNext(cts.Token))
        {
        }
    }

    // How a drained stream ended: the status the partner got, or why it did not end.
    private static async Task<string> EndOf(Task drain)
    {
        try
        {
            await drain.WaitAsync(TimeSpan.FromSeconds(60));
            return "ended OK (no status error)";
        }
        catch (RpcException ex)
        {
            return $"ended {ex.Status}";
        }
        catch (Exception ex)
        {
            return $"ended with {ex.GetType().Name}: {ex.Message}";
        }
    }

    // Unavailable with the hub's reason; a reset of the connection (also Unavailable) would have no such text.
    private static bool EndedUnavailable(Task drain) =>
        drain.Exception?.InnerException is RpcException { StatusCode: StatusCode.Unavailable } ex && ex.Status.Detail.Contains("shutting down", StringComparison.Ordinal);
}
