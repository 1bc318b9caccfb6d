using System.Diagnostics;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Credentials;
using ClearingHouse.Server.Tests.Infrastructure;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using StackExchange.Redis;
using static ClearingHouse.Server.Tests.Locations.LocationTestData;

namespace ClearingHouse.Server.Tests.Locations;

/// <summary>
/// The Cluster profile's Redis cache of location snapshots, against a redis-server of the test's own
/// (started and stopped here, so the shared Redis of the other tests is never touched).
/// </summary>
public sealed class LocationSnapshotCacheTests
{
    [Fact]
    public async Task GetLocation_Cached_SecondReadFromRedisAndPutDropsSnapshot()
    {
        await using var redis = await OwnRedis.StartAsync();
        await using var cluster = await ClusterAsync(redis.Address);
        var r = await Roaming.SetUpAsync(cluster.Hub);
        await r.CpoClient.PutLocationAsync(new PutLocationRequest { Location = Location("LOC1") });

        var first = await r.EmspClient.GetLocationAsync(new GetLocationRequest { Cpo = r.Cpo, LocationId = "LOC1" });
        var key = $"ch:location-snapshot:v1:{r.Cpo.CountryCode}-{r.Cpo.PartyId}-CPO/LOC1";
        await using var client = await ConnectionMultiplexer.ConnectAsync(redis.Address);
        var stored = await WaitForAsync(() => client.GetDatabase().StringGetAsync(key), v => !v.IsNull);
        Assert.Equal(first.Location, Contracts.V1.Location.Parser.ParseFrom((byte[])stored!));

        // The next read is answered from the snapshot (marked here so it can be told apart).
        var marked = first.Location.Clone();
        marked.Name = "From the cache";
        await client.GetDatabase().StringSetAsync(key, marked.ToByteArray(), TimeSpan.FromMinutes(1));
        var cached = await r.EmspClient.GetLocationAsync(new GetLocationRequest { Cpo = r.Cpo, LocationId = "LOC1" });
        Assert.Equal("From the cache", cached.Location.Name);

        // A put drops the snapshot: the next read has the new data, not the cached one.
        var renamed = Location("LOC1");
        renamed.Name = "Renamed";
        renamed.LastUpdated = Timestamp.FromDateTimeOffset(T0.AddMinutes(1));
        await r.CpoClient.PutLocationAsync(new PutLocationRequest { Location = renamed });
        await WaitForAsync(() => client.GetDatabase().StringGetAsync(key), v => v.IsNull);
        var second = await r.EmspClient.GetLocationAsync(new GetLocationRequest { Cpo = r.Cpo, LocationId = "LOC1" });
        Assert.Equal("Renamed", second.Location.Name);

        // A snapshot that does not parse is a miss, never a wrong answer.
        await client.GetDatabase().StringSetAsync(key, new byte[] { 0xFF, 0xFF, 0xFF });
        var third = await r.EmspClient.GetLocationAsync(new GetLocationRequest { Cpo = r.Cpo, LocationId = "LOC1" });
        Assert.Equal("Renamed", third.Location.Name);
    }

    [Fact]
    public async Task GetLocation_CacheRedisStopsOrNeverListens_ReadsStillAnsweredFromGrains()
    {
        var redis = await OwnRedis.StartAsync();
        await using var cluster = await ClusterAsync(redis.Address);
        var r = await Roaming.SetUpAsync(cluster.Hub);
        await r.CpoClient.PutLocationAsync(new PutLocationRequest { Location = Location("LOC1") });
        await r.EmspClient.GetLocationAsync(new GetLocationRequest { Cpo = r.Cpo, LocationId = "LOC1" });

        // The cache's Redis goes away: reads are slower at worst, never failed or wrong.
        await redis.DisposeAsync();
        await SendAsync(r.CpoClient, [Update("LOC1", "E1", EvseStatus.Charging, 10)]);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 20; i++)
        {
            var got = await r.EmspClient.GetLocationAsync(new GetLocationRequest { Cpo = r.Cpo, LocationId = "LOC1" }, deadline: DateTime.UtcNow.AddSeconds(10));
            Assert.Equal("Station LOC1", got.Location.Name);
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"20 reads took {watch.Elapsed} with the cache down");

        // A cache that never listened at all (a closed port) from the start.
        await using var closed = await ClusterAsync($"127.0.0.1:{HubHost.FreePort()}");
        var c = await Roaming.SetUpAsync(closed.Hub);
        await c.CpoClient.PutLocationAsync(new PutLocationRequest { Location = Location("LOC2") });
        var read = await c.EmspClient.GetLocationAsync(new GetLocationRequest { Cpo = c.Cpo, LocationId = "LOC2" }, deadline: DateTime.UtcNow.AddSeconds(10));
        Assert.Equal("Station LOC2", read.Location.Name);
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(20);
        }
    }

    private static async Task<Cluster> ClusterAsync(string cacheRedis)
    {
        var clusterId = $"ch-cache-{Guid.NewGuid():N}";
        var postgres = await TestServices.CreateDatabaseAsync();
        var hub = await HubHost.StartClusterAsync(clusterId, postgres, CredentialSecret.Generate(party: null).Text, new Dictionary<string, string?>
        {
            ["Redis:CacheConnectionString"] = cacheRedis,
        });
        return new Cluster(hub, postgres);
    }

    private sealed record Cluster(HubHost Hub, string Postgres) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Hub.DisposeAsync();
            await TestServices.DropDatabaseAsync(Postgres);
        }
    }
}
