using System.Diagnostics;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Credentials;
using ClearingHouse.Grains.Tokens;
using ClearingHouse.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ClearingHouse.Server.Tests.Tokens;

/// <summary>Tokens and authorization on a two-silo Cluster (real Redis + PostgreSQL).</summary>
public sealed class TokenClusterTests : IAsyncLifetime
{
    private readonly string _clusterId = $"ch-tok-{Guid.NewGuid():N}";
    private readonly string _operatorSecret = CredentialSecret.Generate(party: null).Text;
    private string _postgres = null!;

    public async Task InitializeAsync() => _postgres = await TestServices.CreateDatabaseAsync();

    public Task DisposeAsync() => TestServices.DropDatabaseAsync(_postgres);

    [Fact]
    public async Task Authorize_CpoOnOneSiloMspChannelOnTheOther_RoutedAcrossSilos()
    {
        var settings = new Dictionary<string, string?> { ["Tokens:DefaultMspDeadline"] = "00:00:01" };
        await using var a = await HubHost.StartClusterAsync(_clusterId, _postgres, _operatorSecret, settings);
        await using var b = await HubHost.StartClusterAsync(_clusterId, _postgres, _operatorSecret, settings);
        await WaitForSilosAsync(a, 2);

        // The CPO talks to silo A; the EMSP puts its tokens and opens its channel on silo B.
        var pair = await RoamingPair.CreateAsync(a, emspHub: b);
        await pair.PutAsync("CLUSTER-NEVER", WhitelistType.Never);
        await pair.PutAsync("CLUSTER-OFFLINE", WhitelistType.AllowedOffline);

        // No channel anywhere yet.
        Assert.Equal(DecisionSource.FallbackNoChannel, (await pair.AuthorizeAsync("CLUSTER-OFFLINE")).Source);

        AuthorizeResponse denied;
        await using (var msp = await MspSimulator.OpenAsync(pair.EmspChannel, MspBehaviour.Deny))
        {
            denied = await pair.AuthorizeAsync("CLUSTER-NEVER");
            Assert.Equal(DecisionSource.MspRealTime, denied.Source);
            Assert.Equal(AllowedType.Blocked, denied.Authorization.Allowed);
            Assert.Equal(1, msp.Received);
            await msp.CloseAsync();
        }

        // The channel closed on silo B: silo A's next ask finds none, at once.
        var clock = Stopwatch.StartNew();
        var after = await pair.AuthorizeAsync("CLUSTER-NEVER");
        Assert.Equal(DecisionSource.FallbackNoChannel, after.Source);
        Assert.Equal(AllowedType.NotAllowed, after.Authorization.Allowed);
        Assert.True(clock.ElapsedMilliseconds < 900, $"took {clock.ElapsedMilliseconds} ms");

        // A silent EMSP on B: A falls back at B's deadline.
        await using var silent = await MspSimulator.OpenAsync(pair.EmspChannel, MspBehaviour.Silent);
        clock.Restart();
        var timedOut = await pair.AuthorizeAsync("CLUSTER-OFFLINE");
        Assert.Equal(DecisionSource.FallbackTimeout, timedOut.Source);
        Assert.Equal(AllowedType.Allowed, timedOut.Authorization.Allowed);
        Assert.InRange(clock.ElapsedMilliseconds, 990, 2500);

        // On PostgreSQL: the EMSP's answer is the final record (its provisional fallback superseded); the timeout
        // answered from the provisional record written while the EMSP was asked.
        var records = a.Services.GetRequiredService<IAuthorizationStore>();
        var answered = await records.GetAsync(denied.Authorization.AuthorizationReference);
        Assert.NotNull(answered);
        Assert.False(answered.Provisional);
        Assert.Equal(Domain.Tokens.DecisionSource.MspRealTime, answered.Source);
        Assert.Equal(Domain.Tokens.AllowedType.Blocked, answered.Allowed);
        var fallback = await records.GetAsync(timedOut.Authorization.AuthorizationReference);
        Assert.NotNull(fallback);
        Assert.True(fallback.Provisional);
        Assert.Equal(Domain.Tokens.DecisionSource.FallbackTimeout, fallback.Source);
        Assert.Equal(Domain.Tokens.AllowedType.Allowed, fallback.Allowed);
    }

    [Fact]
    public async Task PutToken_OnOneSilo_ConflictAndReadOnTheOther()
    {
        await using var a = await HubHost.StartClusterAsync(_clusterId, _postgres, _operatorSecret);
        await using var b = await HubHost.StartClusterAsync(_clusterId, _postgres, _operatorSecret);
        await WaitForSilosAsync(a, 2);
        var first = await RoamingPair.CreateAsync(a);
        var second = await RoamingPair.CreateAsync(a, emspHub: b);
        await first.PutAsync("PG-SHARED", WhitelistType.Always);

        await Parties.AssertFails(global::Grpc.Core.StatusCode.AlreadyExists, () => second.EmspTokens.PutTokenAsync(new PutTokenRequest { Token = second.Token("PG-SHARED", WhitelistType.Always) }).ResponseAsync);

        using var call = second.EmspTokens.PutTokens();
        var message = new PutTokensRequest();
        for (var i = 0; i < 5000; i++)
        {
            message.Tokens.Add(second.Token($"PG-{i:D5}", WhitelistType.Always));
        }

        message.Tokens.Add(second.Token("PG-SHARED", WhitelistType.Always));
        await call.RequestStream.WriteAsync(message);
        await call.RequestStream.CompleteAsync();
        var response = await call;
        Assert.Equal(5000, response.Stored);
        Assert.Equal(1, response.Conflicts);

        Assert.Equal(first.Emsp.PartyId, (await first.EmspTokens.GetTokenAsync(new GetTokenRequest { Uid = "PG-SHARED", Type = TokenType.Rfid })).Token.PartyId);
        Assert.Equal(AllowedType.Allowed, (await second.AuthorizeAsync("PG-04999")).Authorization.Allowed);
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
