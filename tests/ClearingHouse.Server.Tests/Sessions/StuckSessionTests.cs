using ClearingHouse.Application.Sessions;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using ClearingHouse.Server.Tests.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ClearingHouse.Server.Tests.Sessions;

/// <summary>Stuck-session detection, with the hub's clock faked.</summary>
public sealed class StuckSessionTests
{
    [Fact]
    public async Task ListStuckSessions_SilentPendingOrActive_FlaggedUntilUpdated()
    {
        using var data = new TempDirectory();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));
        await using var hub = await HubHost.StartEmbeddedAsync(data.Path, time, new Dictionary<string, string?> { ["Sessions:StuckAfter"] = "00:10:00" });
        var pair = await RoamingPair.CreateAsync(hub);
        var operatorSessions = SessionTestKit.OperatorSessions(hub);
        await pair.PutAsync(pair.Session("PEND", SessionStatus.Pending, kwh: 0, minute: 1));
        await pair.PutAsync(pair.Session("ACT", SessionStatus.Active, minute: 1));
        await pair.PutAsync(pair.Session("DONE", SessionStatus.Completed, minute: 1));

        Assert.Empty((await operatorSessions.ListStuckSessionsAsync(new ListStuckSessionsRequest())).Sessions);

        time.Advance(TimeSpan.FromMinutes(9));
        await pair.PutAsync(pair.Session("ACT", SessionStatus.Active, kwh: 2, minute: 9));
        time.Advance(TimeSpan.FromMinutes(2));

        // PEND has been silent 11 minutes; ACT was updated 2 minutes ago; DONE is final.
        var stuck = await operatorSessions.ListStuckSessionsAsync(new ListStuckSessionsRequest());
        var only = Assert.Single(stuck.Sessions);
        Assert.Equal("PEND", only.Session.Id);
        Assert.True(only.Session.Stuck);
        Assert.Equal(TimeSpan.FromMinutes(11), only.SilentFor.ToTimeSpan());
        Assert.True((await pair.EmspSessions().GetSessionAsync(new GetSessionRequest { Cpo = pair.Cpo, SessionId = "PEND" })).Session.Stuck);
        Assert.False((await pair.EmspSessions().GetSessionAsync(new GetSessionRequest { Cpo = pair.Cpo, SessionId = "ACT" })).Session.Stuck);

        // The operator's data-quality findings count it, with an example.
        var findings = await new OpsService.OpsServiceClient(hub.Channel(hub.OperatorSecret)).ListFindingsAsync(new ListFindingsRequest());
        var stuckFinding = Assert.Single(findings.Findings, f => f.Kind == "SESSION_STUCK");
        Assert.True(stuckFinding.Checked);
        Assert.Equal(1, stuckFinding.Count);
        Assert.Contains(stuckFinding.Examples, e => e.Contains("/PEND (", StringComparison.Ordinal));

        // The monitor flags it on its own scan too (log + gauge).
        var monitor = hub.Services.GetRequiredService<StuckSessionMonitor>();
        Assert.Equal(1, await monitor.ScanAsync());
        Assert.Equal(1, hub.Services.GetRequiredService<SessionMetrics>().StuckCount);

        time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(["PEND", "ACT"], (await operatorSessions.ListStuckSessionsAsync(new ListStuckSessionsRequest())).Sessions.Select(s => s.Session.Id));

        // An update un-sticks a session (last updated at the hub's now, T0 + 21 min: a later one would be beyond
        // Locations:MaxClockSkew, refused like any far-future last_updated).
        await pair.PutAsync(pair.Session("PEND", SessionStatus.Invalid, kwh: 0, minute: 21));
        Assert.Equal(["ACT"], (await operatorSessions.ListStuckSessionsAsync(new ListStuckSessionsRequest())).Sessions.Select(s => s.Session.Id));
        Assert.Equal(1, await monitor.ScanAsync());
    }
}
