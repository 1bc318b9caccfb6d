using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Credentials;
using ClearingHouse.Server.Tests.Infrastructure;
using System.Globalization;
using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.Extensions.DependencyInjection;
using static ClearingHouse.Server.Tests.Infrastructure.Parties;

namespace ClearingHouse.Server.Tests.Hosting;

/// <summary>
/// The Cluster profile on real PostgreSQL (membership and state) and Redis (caches): two silos in one cluster,
/// each a gRPC endpoint, state that survives a restart of both, and one cluster whatever happens to Redis.
/// </summary>
public sealed class ClusterProfileTests : IAsyncLifetime
{
    private readonly string _clusterId = $"ch-test-{Guid.NewGuid():N}";
    private readonly string _operatorSecret = CredentialSecret.Generate(party: null).Text;
    private string _postgres = null!;

    public async Task InitializeAsync() => _postgres = await TestServices.CreateDatabaseAsync();

    public Task DisposeAsync() => TestServices.DropDatabaseAsync(_postgres);

    [Fact]
    public async Task TwoSilos_PartyRegisteredThroughOne_AuthenticatesThroughTheOther()
    {
        await using var a = await HubHost.StartClusterAsync(_clusterId, _postgres, _operatorSecret);
        await using var b = await HubHost.StartClusterAsync(_clusterId, _postgres, _operatorSecret);
        var (cpo, emsp) = (Unique(PartyRole.Cpo, "DE"), Unique(PartyRole.Emsp, "DE"));
        Assert.Equal(2, await ActiveSilosAsync(a, expected: 2));
        Assert.Equal(2, await ActiveSilosAsync(b, expected: 2));

        var cpoSecret = await RegisterWithCredentialAsync(a.Channel(_operatorSecret), cpo);
        await RegisterWithCredentialAsync(a.Channel(_operatorSecret), emsp);
        await new PartyAdminService.PartyAdminServiceClient(a.Channel(_operatorSecret)).SetAgreementAsync(new SetAgreementRequest { Cpo = cpo, Emsp = emsp });

        var me = await new IdentityService.IdentityServiceClient(b.Channel(cpoSecret)).WhoAmIAsync(new WhoAmIRequest());
        Assert.Equal(cpo, me.Party);
        var listed = await new PartyAdminService.PartyAdminServiceClient(b.Channel(cpoSecret)).ListAgreementsAsync(new ListAgreementsRequest());
        Assert.Equal(emsp, Assert.Single(listed.Agreements).Emsp);

        // A duplicate registration through the other silo meets the same single registry.
        await AssertFails(StatusCode.AlreadyExists, () => new PartyAdminService.PartyAdminServiceClient(b.Channel(_operatorSecret))
            .RegisterPartyAsync(new RegisterPartyRequest { Party = cpo, Name = "again" }).ResponseAsync);
    }

    [Fact]
    public async Task BothSilosRestarted_StateSurvives()
    {
        var party = Unique(PartyRole.Cpo, "FR");
        string secret;
        await using (var a = await HubHost.StartClusterAsync(_clusterId, _postgres, _operatorSecret))
        await using (var b = await HubHost.StartClusterAsync(_clusterId, _postgres, _operatorSecret))
        {
            secret = await RegisterWithCredentialAsync(b.Channel(_operatorSecret), party, "Survivor");
            Assert.Equal(party, (await new IdentityService.IdentityServiceClient(a.Channel(secret)).WhoAmIAsync(new WhoAmIRequest())).Party);
        }

        await using (var a = await HubHost.StartClusterAsync(_clusterId, _postgres, _operatorSecret))
        await using (var b = await HubHost.StartClusterAsync(_clusterId, _postgres, _operatorSecret))
        {
            Assert.Equal(party, (await new IdentityService.IdentityServiceClient(a.Channel(secret)).WhoAmIAsync(new WhoAmIRequest())).Party);
            var got = await new PartyAdminService.PartyAdminServiceClient(b.Channel(_operatorSecret)).GetPartyAsync(new GetPartyRequest { Party = party });
            Assert.Equal("Survivor", got.Party.Name);
        }
    }

    [Fact]
    public async Task RedisRestartedEmpty_ThenOneSiloRestarted_RejoinsTheOneCluster()
    {
        // Redis without persistence, as scripts/services.sh runs it: a restart comes back empty. Membership used to
        // live there; the next silo restart then made a cluster of its own beside the running one.
        var redis = await OwnRedis.StartAsync();
        var settings = new Dictionary<string, string?> { ["Redis:ConnectionString"] = redis.Address };
        var bSettings = new Dictionary<string, string?>(settings)
        {
            ["Silo:SiloPort"] = HubHost.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Silo:GatewayPort"] = HubHost.FreePort().ToString(CultureInfo.InvariantCulture),
        };
        try
        {
            await using var a = await HubHost.StartClusterAsync(_clusterId, _postgres, _operatorSecret, settings);
            HubHost? b = await HubHost.StartClusterAsync(_clusterId, _postgres, _operatorSecret, bSettings);
            try
            {
                Assert.Equal(2, await ActiveSilosAsync(a, expected: 2));
                var before = Unique(PartyRole.Cpo, "BE");
                await RegisterWithCredentialAsync(a.Channel(_operatorSecret), before, "Before");

                redis.Kill();
                redis = await OwnRedis.StartAsync(redis.Port);
                // B restarts on its ports (a new generation of the same silo), after Redis lost everything.
                await b.DisposeAsync();
                b = null;
                b = await HubHost.StartClusterAsync(_clusterId, _postgres, _operatorSecret, bSettings);

                Assert.Equal(2, await ActiveSilosAsync(a, expected: 2));
                Assert.Equal(2, await ActiveSilosAsync(b, expected: 2));
                // One registry for both: what either silo registers now, the other finds at once.
                var throughA = Unique(PartyRole.Cpo, "BE");
                await RegisterWithCredentialAsync(a.Channel(_operatorSecret), throughA, "Through A");
                var throughB = Unique(PartyRole.Emsp, "BE");
                await RegisterWithCredentialAsync(b.Channel(_operatorSecret), throughB, "Through B");
                foreach (var (host, party, name) in new[] { (b, before, "Before"), (b, throughA, "Through A"), (a, throughB, "Through B") })
                {
                    var got = await new PartyAdminService.PartyAdminServiceClient(host.Channel(_operatorSecret))
                        .GetPartyAsync(new GetPartyRequest { Party = party }, deadline: DateTime.UtcNow.AddSeconds(10));
                    Assert.Equal(name, got.Party.Name);
                }

                await AssertFails(StatusCode.AlreadyExists, () => new PartyAdminService.PartyAdminServiceClient(b.Channel(_operatorSecret))
                    .RegisterPartyAsync(new RegisterPartyRequest { Party = throughA, Name = "again" }).ResponseAsync);
                foreach (var host in new[] { a, b })
                {
                    var health = await new Health.HealthClient(host.Channel(null)).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(10));
                    Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
                }
            }
            finally
            {
                if (b is not null)
                {
                    await b.DisposeAsync();
                }
            }
        }
        finally
        {
            await redis.DisposeAsync();
        }
    }

    // Membership converges within seconds; poll the management grain until it does or time runs out.
    private static async Task<int> ActiveSilosAsync(HubHost host, int expected)
    {
        var management = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var count = 0;
        while (!timeout.IsCancellationRequested)
        {
            count = (await management.GetHosts(onlyActive: true)).Count;
            if (count == expected)
            {
                break;
            }

            await Task.Delay(100, CancellationToken.None);
        }

        return count;
    }

    [Fact]
    public async Task ClusterSilo_WrongOperatorSecret_Unauthenticated()
    {
        await using var a = await HubHost.StartClusterAsync(_clusterId, _postgres, _operatorSecret);
        var other = CredentialSecret.Generate(party: null).Text;

        await AssertFails(StatusCode.Unauthenticated, () => new IdentityService.IdentityServiceClient(a.Channel(other)).WhoAmIAsync(new WhoAmIRequest()).ResponseAsync);
    }
}
