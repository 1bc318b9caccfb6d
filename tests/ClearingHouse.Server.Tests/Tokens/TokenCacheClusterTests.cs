using ClearingHouse.Application.Tokens;
using System.Diagnostics;
using System.Net.Sockets;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Credentials;
using ClearingHouse.Server.Tests.Infrastructure;
using ClearingHouse.Server.Tokens;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static ClearingHouse.Server.Tests.Infrastructure.Parties;

namespace ClearingHouse.Server.Tests.Tokens;

/// <summary>
/// The Redis token cache on a two-silo Cluster (real Redis + PostgreSQL): decisions are the same with
/// and without it, changes are seen at once, and a Redis outage changes no decision.
/// </summary>
public sealed class TokenCacheClusterTests : IAsyncLifetime
{
    private static readonly (string Uid, WhitelistType Whitelist, bool Valid)[] Tokens =
    [
        ("C-ALWAYS", WhitelistType.Always, true),
        ("C-BLOCKED", WhitelistType.Always, false),
        ("C-NEVER", WhitelistType.Never, true),
        ("C-OFFLINE", WhitelistType.AllowedOffline, true),
        ("C-ALLOWED", WhitelistType.Allowed, true),
    ];

    // Every token above plus one nobody owns: the cache also remembers "no such token".
    private static readonly string[] Presented = [.. Tokens.Select(t => t.Uid), "C-UNKNOWN"];

    private readonly string _serviceId = $"ch-tokc-{Guid.NewGuid():N}";
    private readonly string _operatorSecret = CredentialSecret.Generate(party: null).Text;
    private string _postgres = null!;

    public async Task InitializeAsync() => _postgres = await TestServices.CreateDatabaseAsync();

    public Task DisposeAsync() => TestServices.DropDatabaseAsync(_postgres);

    [Fact]
    public async Task Authorize_FreshSilosWithAndWithoutCache_SameDecisionsAndCacheHits()
    {
        Pair pair;
        List<string> first;
        await using (var cluster = await Cluster.StartAsync(this, "a"))
        {
            pair = await Pair.CreateAsync(cluster.A, cluster.B);
            foreach (var (uid, whitelist, valid) in Tokens)
            {
                await pair.On(cluster.B).PutAsync(uid, whitelist, valid);
            }

            first = await DecisionsAsync(pair, cluster);
        }

        // New silos of the same service: every token grain activates again and reads Redis.
        List<string> cached;
        await using (var cluster = await Cluster.StartAsync(this, "b"))
        {
            cached = await DecisionsAsync(pair, cluster);
            // Not every one of the six need hit: on a loaded machine a cache call may give up after 250 ms
            // (a miss, then a store read). Some must, or the cache is not in use.
            Assert.True(cluster.CacheHits > 0, $"{cluster.CacheHits} cache hits");
        }

        List<string> uncached;
        await using (var cluster = await Cluster.StartAsync(this, "c", new() { ["Tokens:RedisCache"] = "false" }))
        {
            uncached = await DecisionsAsync(pair, cluster);
            Assert.Equal(0, cluster.CacheHits);
        }

        Assert.Equal(first, cached);
        Assert.Equal(first, uncached);
        Assert.Contains("C-ALWAYS ALLOWED HubCopy", first);
        Assert.Contains("C-BLOCKED BLOCKED HubRule", first);
        Assert.Contains("C-NEVER NOT_ALLOWED FallbackNoChannel", first);
        Assert.Contains("C-UNKNOWN NOT_ALLOWED HubRule", first);
    }

    [Fact]
    public async Task TokenChanges_PatchPutAndBulk_SeenAtOnceOnBothSilosAndAfterReactivation()
    {
        Pair pair;
        await using (var cluster = await Cluster.StartAsync(this, "a", new() { ["Tokens:HubCopyMaxAge"] = "00:00:02" }))
        {
            pair = await Pair.CreateAsync(cluster.A, cluster.B);
            await pair.On(cluster.B).PutAsync("CH-1", WhitelistType.Always);
            await pair.On(cluster.B).PutAsync("CH-2", WhitelistType.Always);
            await pair.On(cluster.B).PutAsync("CH-3", WhitelistType.Always);
            Assert.Equal(["ALLOWED", "ALLOWED"], await AllowedOnBothAsync(pair, cluster, "CH-1"));

            // valid = false through silo B: both silos answer BLOCKED at once.
            var emsp = pair.On(cluster.B).EmspTokens;
            await emsp.PatchTokenAsync(new PatchTokenRequest { Uid = "CH-1", Type = TokenType.Rfid, Valid = false });
            Assert.Equal(["BLOCKED", "BLOCKED"], await AllowedOnBothAsync(pair, cluster, "CH-1"));

            // Whitelist change by PUT through silo A: NEVER with no channel is NOT_ALLOWED on both.
            await pair.On(cluster.A).PutAsync("CH-2", WhitelistType.Never);
            Assert.Equal(["NOT_ALLOWED", "NOT_ALLOWED"], await AllowedOnBothAsync(pair, cluster, "CH-2"));

            // A bulk upload (straight to the store) of a token not yet in memory, and of a new one.
            using var call = emsp.PutTokens();
            await call.RequestStream.WriteAsync(new PutTokensRequest { Tokens = { pair.On(cluster.B).Token("CH-3", WhitelistType.Always, valid: false), pair.On(cluster.B).Token("CH-4", WhitelistType.Always) } });
            await call.RequestStream.CompleteAsync();
            Assert.Equal(2, (await call).Stored);
            // CH-3's grain is in memory (it was put one by one): a bulk change reaches it within
            // Tokens:HubCopyMaxAge (2 s here), as documented; a grain that activates later reads it at once.
            await WaitUntilAsync(async () => await AllowedOnBothAsync(pair, cluster, "CH-3") is ["BLOCKED", "BLOCKED"]);
            Assert.Equal(["ALLOWED", "ALLOWED"], await AllowedOnBothAsync(pair, cluster, "CH-4"));
        }

        // Fresh silos activate from Redis: they must see the changed tokens, not what was cached before.
        await using (var cluster = await Cluster.StartAsync(this, "b"))
        {
            Assert.Equal(["BLOCKED", "BLOCKED"], await AllowedOnBothAsync(pair, cluster, "CH-1"));
            Assert.Equal(["NOT_ALLOWED", "NOT_ALLOWED"], await AllowedOnBothAsync(pair, cluster, "CH-2"));
            Assert.Equal(["BLOCKED", "BLOCKED"], await AllowedOnBothAsync(pair, cluster, "CH-3"));
            Assert.Equal(["ALLOWED", "ALLOWED"], await AllowedOnBothAsync(pair, cluster, "CH-4"));

            // A bulk change of a token that is cached in Redis but not in memory: seen at once.
            using var call = pair.On(cluster.A).EmspTokens.PutTokens();
            await call.RequestStream.WriteAsync(new PutTokensRequest { Tokens = { pair.On(cluster.A).Token("PROBE", WhitelistType.Always, valid: false) } });
            await call.RequestStream.CompleteAsync();
            Assert.Equal(1, (await call).Stored);
            Assert.Equal(["BLOCKED", "BLOCKED"], await AllowedOnBothAsync(pair, cluster, "PROBE"));
            Assert.True(cluster.CacheHits > 0);

            // An agreement that ends: the silo that ended it answers NOT_ALLOWED at once, the other within
            // its directory refresh (Directory:RefreshInterval, 1 s); agreements are not cached in Redis.
            await new PartyAdminService.PartyAdminServiceClient(cluster.A.Channel(_operatorSecret))
                .EndAgreementAsync(new EndAgreementRequest { Cpo = pair.Cpo, Emsp = pair.Emsp });
            Assert.Equal(AllowedType.NotAllowed, (await pair.On(cluster.A).AuthorizeAsync("CH-4")).Authorization.Allowed);
            await WaitUntilAsync(async () => (await pair.On(cluster.B).AuthorizeAsync("CH-4")).Authorization.Allowed == AllowedType.NotAllowed);
        }
    }

    [Fact]
    public async Task RedisOutage_PausedThenKilled_DecisionsUnchangedAndTokenWritesRefused()
    {
        await using var redis = await OwnRedis.StartAsync();
        var settings = new Dictionary<string, string?> { ["Redis:CacheConnectionString"] = redis.Address };
        Pair pair;
        await using (var cluster = await Cluster.StartAsync(this, "a", settings))
        {
            pair = await Pair.CreateAsync(cluster.A, cluster.B);
            await pair.On(cluster.B).PutAsync("O-1", WhitelistType.Always);
            await pair.On(cluster.B).PutAsync("O-2", WhitelistType.Always, valid: false);
            Assert.Equal(["ALLOWED", "ALLOWED"], await AllowedOnBothAsync(pair, cluster, "O-1"));
            Assert.Equal(["BLOCKED", "BLOCKED"], await AllowedOnBothAsync(pair, cluster, "O-2"));

            // Redis frozen (SIGSTOP: connections stay open, nothing answers).
            redis.Pause();
            var refused = await Assert.ThrowsAsync<RpcException>(() => pair.On(cluster.B).EmspTokens.PatchTokenAsync(new PatchTokenRequest { Uid = "O-1", Type = TokenType.Rfid, Valid = false }).ResponseAsync);
            Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
            Assert.Equal(["ALLOWED", "ALLOWED"], await AllowedOnBothAsync(pair, cluster, "O-1"));
            Assert.Equal(["BLOCKED", "BLOCKED"], await AllowedOnBothAsync(pair, cluster, "O-2"));
        }

        // Fresh silos while Redis is still frozen: activations give up on Redis and read the store.
        await using (var cluster = await Cluster.StartAsync(this, "b", settings))
        {
            Assert.Equal(["ALLOWED", "ALLOWED"], await AllowedOnBothAsync(pair, cluster, "O-1"));
            Assert.Equal(["BLOCKED", "BLOCKED"], await AllowedOnBothAsync(pair, cluster, "O-2"));
            Assert.Equal(["NOT_ALLOWED", "NOT_ALLOWED"], await AllowedOnBothAsync(pair, cluster, "O-UNKNOWN"));

            // Redis back with its old entries: they are still right, because no write got through.
            redis.Resume();
            await WaitUntilAsync(async () =>
            {
                try
                {
                    await pair.On(cluster.B).EmspTokens.PatchTokenAsync(new PatchTokenRequest { Uid = "O-2", Type = TokenType.Rfid, Valid = true });
                    return true;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
                {
                    return false;
                }
            });
            Assert.Equal(["ALLOWED", "ALLOWED"], await AllowedOnBothAsync(pair, cluster, "O-2"));

            // Redis killed: the write is refused at once (not connected), decisions stay.
            redis.Kill();
            var refused = await Assert.ThrowsAsync<RpcException>(() => pair.On(cluster.A).EmspTokens.PatchTokenAsync(new PatchTokenRequest { Uid = "O-1", Type = TokenType.Rfid, Valid = false }).ResponseAsync);
            Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        }

        await using (var cluster = await Cluster.StartAsync(this, "c", settings))
        {
            Assert.Equal(["ALLOWED", "ALLOWED"], await AllowedOnBothAsync(pair, cluster, "O-1"));
            Assert.Equal(["ALLOWED", "ALLOWED"], await AllowedOnBothAsync(pair, cluster, "O-2"));
            Assert.Equal(0, cluster.CacheHits);
        }
    }

    private static async Task<List<string>> DecisionsAsync(Pair pair, Cluster cluster)
    {
        var decisions = new List<string>();
        foreach (var host in new[] { cluster.A, cluster.B })
        {
            foreach (var uid in Presented)
            {
                var response = await pair.On(host).AuthorizeAsync(uid);
                decisions.Add($"{uid} {Name(response.Authorization.Allowed)} {response.Source}");
            }
        }

        return decisions;
    }

    private static async Task<string[]> AllowedOnBothAsync(Pair pair, Cluster cluster, string uid) =>
    [
        Name((await pair.On(cluster.A).AuthorizeAsync(uid)).Authorization.Allowed),
        Name((await pair.On(cluster.B).AuthorizeAsync(uid)).Authorization.Allowed),
    ];

    private static string Name(AllowedType allowed) => allowed switch
    {
        AllowedType.Allowed => "ALLOWED",
        AllowedType.Blocked => "BLOCKED",
        AllowedType.Expired => "EXPIRED",
        AllowedType.NoCredit => "NO_CREDIT",
        AllowedType.NotAllowed => "NOT_ALLOWED",
        _ => allowed.ToString(),
    };

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            timeout.Token.ThrowIfCancellationRequested();
            await Task.Delay(100, CancellationToken.None);
        }
    }

    /// <summary>The test's CPO and EMSP, whose credentials outlive one set of silos.</summary>
    private sealed record Pair(PartyRef Cpo, PartyRef Emsp, string CpoSecret, string EmspSecret)
    {
        public static async Task<Pair> CreateAsync(HubHost hub, HubHost other)
        {
            var admin = hub.Channel(hub.OperatorSecret);
            var (cpo, emsp) = (Unique(PartyRole.Cpo, "DE"), Unique(PartyRole.Emsp, "DE"));
            var cpoSecret = await RegisterWithCredentialAsync(admin, cpo);
            var emspSecret = await RegisterWithCredentialAsync(admin, emsp);
            await new PartyAdminService.PartyAdminServiceClient(admin).SetAgreementAsync(new SetAgreementRequest { Cpo = cpo, Emsp = emsp });
            var pair = new Pair(cpo, emsp, cpoSecret, emspSecret);
            // The other silo's directory learns of the new agreement within its refresh interval.
            await pair.On(hub).PutAsync("PROBE", WhitelistType.Always);
            await WaitUntilAsync(async () => (await pair.On(other).AuthorizeAsync("PROBE")).Authorization.Allowed == AllowedType.Allowed);
            return pair;
        }

        public RoamingPair On(HubHost host) => new(Cpo, Emsp, host.Channel(CpoSecret), host.Channel(EmspSecret));
    }

    /// <summary>Two silos of this test's service (a new cluster id each time, the same service id and database).</summary>
    private sealed class Cluster(HubHost a, HubHost b) : IAsyncDisposable
    {
        public HubHost A { get; } = a;

        public HubHost B { get; } = b;

        public long CacheHits => A.Services.GetRequiredService<TokenMetrics>().CacheHitTotal + B.Services.GetRequiredService<TokenMetrics>().CacheHitTotal;

        public static async Task<Cluster> StartAsync(TokenCacheClusterTests test, string name, Dictionary<string, string?>? extra = null)
        {
            var settings = new Dictionary<string, string?>(extra ?? []) { ["Silo:ServiceId"] = test._serviceId };
            var clusterId = $"{test._serviceId}-{name}";
            var a = await HubHost.StartClusterAsync(clusterId, test._postgres, test._operatorSecret, settings);
            var b = await HubHost.StartClusterAsync(clusterId, test._postgres, test._operatorSecret, settings);
            var management = a.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
            await WaitUntilAsync(async () => (await management.GetHosts(onlyActive: true)).Count == 2);
            return new Cluster(a, b);
        }

        public async ValueTask DisposeAsync()
        {
            await B.DisposeAsync();
            await A.DisposeAsync();
        }
    }
}
