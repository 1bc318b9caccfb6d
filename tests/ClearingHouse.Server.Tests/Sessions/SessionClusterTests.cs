using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Credentials;
using ClearingHouse.Server.Tests.Infrastructure;
using ClearingHouse.Server.Tests.Tokens;
using Microsoft.Extensions.DependencyInjection;

namespace ClearingHouse.Server.Tests.Sessions;

/// <summary>Sessions and commands on a two-silo Cluster (real Redis + PostgreSQL).</summary>
public sealed class SessionClusterTests : IAsyncLifetime
{
    private readonly string _clusterId = $"ch-ses-{Guid.NewGuid():N}";
    private readonly string _operatorSecret = CredentialSecret.Generate(party: null).Text;
    private string _postgres = null!;

    public async Task InitializeAsync() => _postgres = await TestServices.CreateDatabaseAsync();

    public Task DisposeAsync() => TestServices.DropDatabaseAsync(_postgres);

    [Fact]
    public async Task Sessions_CpoOnOneSiloEmspsOnTheOther_EachEmspGetsOnlyItsOwn()
    {
        await using var a = await HubHost.StartClusterAsync(_clusterId, _postgres, _operatorSecret);
        await using var b = await HubHost.StartClusterAsync(_clusterId, _postgres, _operatorSecret);
        await WaitForSilosAsync(a, 2);

        // One CPO on silo A; two EMSPs with agreements, both subscribed on silo B.
        var first = await RoamingPair.CreateAsync(a, emspHub: b);
        var second = await RoamingPair.CreateAsync(a, emspHub: b);
        await SessionTestKit.AgreeAsync(a, first.Cpo, second.Emsp);
        using var firstFeed = first.EmspSessions().SubscribeSessions(new SubscribeSessionsRequest { FromStart = true });
        using var secondFeed = second.EmspSessions().SubscribeSessions(new SubscribeSessionsRequest { FromStart = true });

        await first.PutAsync(first.Session("C-1", minute: 1));
        var forSecond = first.Session("C-2", minute: 1);
        forSecond.CdrToken.CountryCode = second.Emsp.CountryCode;
        forSecond.CdrToken.PartyId = second.Emsp.PartyId;
        await first.PutAsync(forSecond);
        await first.PutAsync(first.Session("C-1", SessionStatus.Completed, kwh: 4, minute: 2));

        // The EMSP sees C-1 (possibly collapsed into its latest version) up to COMPLETED, and nothing else.
        var firstEvents = await firstFeed.ReadUntilAsync(s => s.Status == SessionStatus.Completed);
        Assert.All(firstEvents, e => Assert.Equal("C-1", e.Session.Id));
        var secondEvent = Assert.Single(await secondFeed.ReadAsync(1));
        Assert.Equal("C-2", secondEvent.Session.Id);
        Assert.Equal(second.Emsp, secondEvent.Session.Emsp);

        // Keyset listing reads the same PostgreSQL table from the other silo.
        Assert.Equal(["C-1"], (await first.EmspSessions().ListSessionsAsync(new ListSessionsRequest())).Sessions.Select(s => s.Id));
        Assert.Equal(["C-2"], (await second.EmspSessions().ListSessionsAsync(new ListSessionsRequest())).Sessions.Select(s => s.Id));
    }

    [Fact]
    public async Task Commands_EmspOnOneSiloCpoChannelOnTheOther_RoutedAndResultDelivered()
    {
        await using var a = await HubHost.StartClusterAsync(_clusterId, _postgres, _operatorSecret);
        await using var b = await HubHost.StartClusterAsync(_clusterId, _postgres, _operatorSecret);
        await WaitForSilosAsync(a, 2);

        // The CPO's channel is on silo B; the EMSP calls silo A.
        var pair = await RoamingPair.CreateAsync(b, emspHub: a);
        using var results = pair.EmspCommands().SubscribeCommandResults(new SubscribeCommandResultsRequest());
        await results.ResponseHeadersAsync.WaitAsync(TimeSpan.FromSeconds(20)); // the subscription is live
        await using (var cpo = await CpoSimulator.OpenAsync(pair.CpoChannel, CpoBehaviour.AcceptAndSucceed))
        {
            var response = await pair.StartAsync();
            Assert.Equal(CommandDelivery.Answered, response.Delivery);
            Assert.Equal(CommandResponseType.Accepted, response.Response.Result);
            Assert.Equal(1, cpo.Received);

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            Assert.True(await results.ResponseStream.MoveNext(cts.Token));
            Assert.Equal(response.CommandId, results.ResponseStream.Current.Command.CommandId);
            Assert.Equal(CommandResultType.Accepted, results.ResponseStream.Current.Command.Result.Result);
        }

        // The channel on B closed: A's next command finds none, at once.
        var after = await pair.StartAsync();
        Assert.Equal(CommandDelivery.NoChannel, after.Delivery);
    }

    private static async Task WaitForSilosAsync(HubHost host, int expected)
    {
        var management = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while ((await management.GetHosts(onlyActive: true)).Count != expected)
        {
            timeout.Token.ThrowIfCancellationRequested();
            await Task.Delay(100, CancellationToken.None);
        }
    }
}
