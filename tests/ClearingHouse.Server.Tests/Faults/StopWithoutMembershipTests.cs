using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ClearingHouse.Server.Tests.Faults;

/// <summary>
/// SIGTERM while the membership table cannot be written (its PostgreSQL is down): the silo still stops within
/// <c>Hub:ShutdownTimeout</c> (issue 16, finding 1: a silo whose membership was broken ignored SIGTERM for more than
/// 60 s, in <c>MembershipAgent.BecomeStopping</c>).
/// </summary>
[Collection(FaultTests.Name)]
public sealed class StopWithoutMembershipTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Sigterm_MembershipStoreDown_StopsWithinTheShutdownTimeout()
    {
        await using var postgres = await OwnPostgres.StartAsync();
        using var data = new TempDirectory();
        var settings = HubProcess.Settings.Cluster(data.Path, $"ch-stop-{Guid.NewGuid():N}", postgres.ConnectionString);
        settings = settings with { Values = new Dictionary<string, string>(settings.Values) { ["Hub:ShutdownTimeout"] = ShutdownTimeout.ToString() } };
        await using var hub = await HubProcess.StartAsync(settings);
        var roaming = await Roaming.SetUpAsync(hub);
        await new LocationService.LocationServiceClient(roaming.CpoChannel(hub)).PutLocationAsync(new PutLocationRequest { Location = Locations.LocationTestData.Location("LOC1", 2) });

        await postgres.StopImmediateAsync();
        // Generous for a loaded machine: the process must end by itself, not wait for membership without bound.
        var (exitCode, took) = await hub.TerminateAsync(ShutdownTimeout * 4);
        output.WriteLine($"SIGTERM with the membership store down: exit code {exitCode} after {took.TotalMilliseconds:0} ms (Hub:ShutdownTimeout {ShutdownTimeout.TotalSeconds:0} s)");

        // Exit code 0 (stopped) or 1 (the stop overran the timeout and the process ended anyway) are both the hub
        // keeping its promise; anything else (a crash, a kill by the runtime) is not.
        Assert.True(exitCode is 0 or 1, $"exit code {exitCode} after {took}:{Environment.NewLine}{hub.RecentOutput}");
        Assert.True(took < ShutdownTimeout * 2, $"the hub took {took} to stop (Hub:ShutdownTimeout {ShutdownTimeout}):{Environment.NewLine}{hub.RecentOutput}");
    }
}
