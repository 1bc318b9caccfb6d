using ClearingHouse.Application.Channels;
using ClearingHouse.Application.Sessions;
using ClearingHouse.Application.Tests.Infrastructure;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Channels;
using ClearingHouse.Grains.Commands;
using ClearingHouse.Grains.Options;
using ClearingHouse.Grains.Sessions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace ClearingHouse.Application.Tests.Channels;

/// <summary>
/// The one fan-out mechanism on a real in-process cluster: registration by the silo side, renewal by
/// <see cref="SiloFanout"/>, dead silos dropped through cluster membership, failover to the next silo.
/// The party feed (hub and grain) and the command channel registry stand in for all five uses: they share
/// every line of the mechanism.
/// </summary>
public sealed class SiloFanoutTests(CoreCluster hub) : IClassFixture<CoreCluster>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    // Long enough that only a membership change, never the period, can cause a renewal within a test.
    private static readonly TimeSpan NoPeriodicRenewal = TimeSpan.FromHours(1);

    [Fact]
    public async Task Subscribe_FirstAndLastSubscriber_RegistersThenUnregistersTheSilo()
    {
        var party = Party("NL-FO1-EMSP");
        var silo = hub.Cluster.Silos[0].SiloAddress;
        var feeds = CreateFeedHub(hub, 0, NoPeriodicRenewal);
        var registry = hub.Grains.GetGrain<IPartyFeedGrain>(party.ToString());

        var first = await feeds.SubscribeAsync(party, FeedKind.Sessions);
        var second = await feeds.SubscribeAsync(party, FeedKind.Sessions);
        Assert.Equal(new[] { silo }, await registry.GetSilos());

        await registry.SessionsChanged(1);
        await RingAsync(first, "the first subscriber was not told of the change");
        await RingAsync(second, "the second subscriber was not told of the change");

        await feeds.UnsubscribeAsync(first);
        Assert.Equal(new[] { silo }, await registry.GetSilos());
        await feeds.UnsubscribeAsync(second);
        Assert.Empty(await registry.GetSilos());
    }

    [Fact]
    public async Task Renewal_RegistryForgotTheSilo_LearnsItAgainWithinAPeriod()
    {
        var party = Party("NL-FO2-EMSP");
        var silo = hub.Cluster.Silos[0].SiloAddress;
        var feeds = CreateFeedHub(hub, 0, TimeSpan.FromMilliseconds(200));
        var registry = hub.Grains.GetGrain<IPartyFeedGrain>(party.ToString());
        var subscription = await feeds.SubscribeAsync(party, FeedKind.Sessions);

        // What a registry re-activated elsewhere looks like: it knows no silo.
        await registry.Unregister(silo);

        await WaitUntilAsync(async () => (await registry.GetSilos()).Contains(silo), "the silo never registered again");
        await registry.SessionsChanged(2);
        await RingAsync(subscription, "the renewed registration did not deliver");
    }

    [Fact]
    public async Task Expiry_SiloStopsRenewing_RegistryForgetsItAfterThreePeriods()
    {
        var clock = new ManualClock();
        var cluster = await CoreCluster.StartAsync(1, services => services.AddKeyedSingleton<TimeProvider>(SiloRegistry.ClockKey, clock));
        try
        {
            var party = Party("NL-FO6-EMSP");
            var silo = cluster.Cluster.Silos[0].SiloAddress;
            var registry = cluster.Grains.GetGrain<IPartyFeedGrain>(party.ToString());
            await CreateFeedHub(cluster, 0, NoPeriodicRenewal).SubscribeAsync(party, FeedKind.Sessions);
            var expiry = new SessionsOptions().FeedRegistrationPeriod * 3;

            clock.Advance(expiry - TimeSpan.FromSeconds(1));
            Assert.Equal(new[] { silo }, await registry.GetSilos());

            // The silo is alive in membership but renewed nothing (a registration it lost track of).
            clock.Advance(TimeSpan.FromSeconds(2));
            Assert.Empty(await registry.GetSilos());
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task Membership_SubscriberSiloDies_RegistryDropsIt()
    {
        var cluster = await CoreCluster.StartAsync(2);
        try
        {
            var (survivor, dying) = (cluster.Cluster.Silos[0], cluster.Cluster.Silos[1]);
            var grains = cluster.Services(0).GetRequiredService<IGrainFactory>();
            var (party, registry) = await PlaceAsync<IPartyFeedGrain, IPartyFeedObserver>(grains, "A", "EMSP", survivor.SiloAddress);

            var kept = await CreateFeedHub(cluster, 0, NoPeriodicRenewal).SubscribeAsync(party, FeedKind.Sessions);
            await CreateFeedHub(cluster, 1, NoPeriodicRenewal).SubscribeAsync(party, FeedKind.Sessions);
            Assert.Equal(2, (await registry.GetSilos()).Length);

            await KillAsync(cluster, dying, survivor);

            // No lease to wait out: the registry checks membership on its next use.
            Assert.Equal(new[] { survivor.SiloAddress }, await registry.GetSilos());
            await registry.SessionsChanged(3);
            await RingAsync(kept, "the survivor's subscriber was not told after the other silo died");
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task Membership_RegistrySiloDies_SurvivorRegistersAgainWithoutWaitingForItsPeriod()
    {
        var cluster = await CoreCluster.StartAsync(2);
        try
        {
            var (survivor, dying) = (cluster.Cluster.Silos[0], cluster.Cluster.Silos[1]);
            var grains = cluster.Services(0).GetRequiredService<IGrainFactory>();
            var (party, registry) = await PlaceAsync<IPartyFeedGrain, IPartyFeedObserver>(grains, "B", "EMSP", dying.SiloAddress);
            var subscription = await CreateFeedHub(cluster, 0, NoPeriodicRenewal).SubscribeAsync(party, FeedKind.Sessions);
            Assert.Equal(new[] { survivor.SiloAddress }, await registry.GetSilos());

            await KillAsync(cluster, dying, survivor);

            // The registry re-activates on the survivor knowing nobody; the survivor's SiloFanout heard the
            // membership change and registers again (its own period is an hour away).
            await WaitUntilAsync(async () => (await registry.GetSilos()).Contains(survivor.SiloAddress), "the survivor never registered with the re-activated registry");
            await registry.SessionsChanged(4);
            await RingAsync(subscription, "the re-activated registry did not deliver to the survivor");
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task Forward_SiloOfAChannelDies_NextSiloAnswers()
    {
        var cluster = await CoreCluster.StartAsync(2);
        try
        {
            var (survivor, dying) = (cluster.Cluster.Silos[0], cluster.Cluster.Silos[1]);
            var grains = cluster.Services(0).GetRequiredService<IGrainFactory>();
            var (cpo, registry) = await PlaceAsync<ICommandChannelGrain, ICommandChannelObserver>(grains, "C", "CPO", survivor.SiloAddress);

            // One stand-in channel observer per silo, each answering with its silo's number.
            var observers = new List<AnsweringObserver>();
            foreach (var (silo, number) in new[] { (survivor, 0), (dying, 1) })
            {
                var observer = new AnsweringObserver(number);
                observers.Add(observer);
                var reference = cluster.Services(number).GetRequiredService<IGrainFactory>().CreateObjectReference<ICommandChannelObserver>(observer);
                await registry.Register(silo.SiloAddress, reference);
            }

            // A forward from a third silo's point of view: neither is excluded.
            var elsewhere = SiloAddress.New(System.Net.IPAddress.Loopback, 1, 1);
            var before = new HashSet<int>();
            for (var i = 0; i < 4; i++)
            {
                before.Add((await registry.Send(Ask(cpo, i), elsewhere)).Response);
            }

            Assert.Equal(new[] { 0, 1 }, before.Order());

            await KillAsync(cluster, dying, survivor);

            for (var i = 0; i < 4; i++)
            {
                var reply = await registry.Send(Ask(cpo, 10 + i), elsewhere);
                Assert.True(reply is { Delivery: CommandDeliveryKind.Answered, Response: 0 }, $"ask {i} after the silo died: {reply}");
            }

            Assert.Equal(new[] { survivor.SiloAddress }, await registry.GetSilos());
            GC.KeepAlive(observers);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    // A registry whose activation lives on silo; the key is the first of a series that lands there (the
    // placement decides, the test only looks).
    private static async Task<(PartyKey Key, TRegistry Registry)> PlaceAsync<TRegistry, TObserver>(IGrainFactory grains, string series, string role, SiloAddress silo)
        where TRegistry : ISiloRegistryGrain<TObserver>
        where TObserver : IGrainObserver
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        for (var i = 0; i < 100; i++)
        {
            var key = Party($"NL-{series}{i:00}-{role}");
            var registry = grains.GetGrain<TRegistry>(key.ToString());
            await registry.GetSilos();
            if (silo.Equals(await management.GetActivationAddress(registry)))
            {
                return (key, registry);
            }
        }

        throw new InvalidOperationException($"no registry of series {series} was placed on {silo}");
    }

    private static PartyFeedHub CreateFeedHub(CoreCluster cluster, int silo, TimeSpan period) =>
        ActivatorUtilities.CreateInstance<PartyFeedHub>(cluster.Services(silo), Options.Create(new SessionsOptions { FeedRegistrationPeriod = period }));

    private static PartyKey Party(string text) => PartyKey.TryParse(text, out var key) ? key.Value : throw new ArgumentException(text);

    private static CommandAsk Ask(PartyKey cpo, int number) =>
        new() { Cpo = cpo, CommandId = $"fanout-{number}", Payload = [], Timeout = TimeSpan.FromSeconds(10) };

    // Kills a silo and has the survivor declare it dead, then waits until the survivor's membership says so.
    private static async Task KillAsync(CoreCluster cluster, Orleans.TestingHost.InProcessSiloHandle dying, Orleans.TestingHost.InProcessSiloHandle survivor)
    {
        var membership = survivor.ServiceProvider.GetRequiredService<IClusterMembershipService>();
        await cluster.Cluster.KillSiloAsync(dying);
        await membership.TryKill(dying.SiloAddress);
        await WaitUntilAsync(
            () => Task.FromResult(membership.CurrentSnapshot.GetSiloStatus(dying.SiloAddress) == SiloStatus.Dead),
            $"membership never declared {dying.SiloAddress} dead");
    }

    private static async Task RingAsync(FeedSubscription subscription, string because)
    {
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            await subscription.Doorbell.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{because} within {Patience.TotalSeconds} s");
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string because)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!await condition())
        {
            if (timeout.IsCancellationRequested)
            {
                Assert.Fail($"{because} within {Patience.TotalSeconds} s");
            }

            await Task.Delay(50, CancellationToken.None);
        }
    }

    // The registries' expiry clock, moved by hand (the runtime keeps the real one).
    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }

    private sealed class AnsweringObserver(int silo) : ICommandChannelObserver
    {
        public Task<CommandReply> Send(CommandAsk ask) =>
            Task.FromResult(new CommandReply { Delivery = CommandDeliveryKind.Answered, Response = silo });
    }
}
