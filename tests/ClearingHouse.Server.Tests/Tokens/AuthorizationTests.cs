using ClearingHouse.Application.Tokens;
using System.Diagnostics;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Grains.Tokens;
using ClearingHouse.Server.Tests.Infrastructure;
using ClearingHouse.Server.Tokens;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static ClearingHouse.Server.Tests.Infrastructure.Parties;

namespace ClearingHouse.Server.Tests.Tokens;

/// <summary>An Embedded hub whose EMSPs get a 1 s deadline, for authorization tests.</summary>
public sealed class AuthorizationHubFixture : IAsyncLifetime
{
    public const int DeadlineMs = 1000;
    private readonly TempDirectory _data = new();

    public HubHost Hub { get; private set; } = null!;

    public async Task InitializeAsync() => Hub = await HubHost.StartEmbeddedAsync(_data.Path, settings: new Dictionary<string, string?>
    {
        ["Tokens:DefaultMspDeadline"] = $"00:00:0{DeadlineMs / 1000}.{DeadlineMs % 1000:000}",
        ["Tokens:MaxUnknownAnswersPerSecond"] = "50",
    });

    public async Task DisposeAsync()
    {
        await Hub.DisposeAsync();
        _data.Dispose();
    }
}

/// <summary>Authorize over real gRPC: every whitelist type against every EMSP behaviour, agreements, and channel abuse.</summary>
[Collection(TimingSensitive.Name)]
public sealed class AuthorizationTests(AuthorizationHubFixture fixture) : IClassFixture<AuthorizationHubFixture>
{
    private const int Deadline = AuthorizationHubFixture.DeadlineMs;
    private static int _uid;

    public enum Msp
    {
        Allow,
        Deny,
        Silent,
        NoChannel,
        DropsMidRequest,
    }

    private HubHost Hub => fixture.Hub;

    [Fact]
    public async Task Authorize_SilentMsp_NeverFallsBackBeforeTheDeadline()
    {
        // Seen from the CPO (who starts its clock first), no fallback may come before the EMSP's deadline:
        // under load, 35 % did before MspChannelHub waited by the stopwatch (authorize-burst, silent EMSP).
        var pair = await RoamingPair.CreateAsync(Hub);
        var uids = Enumerable.Range(0, 24).Select(_ => NextUid()).ToList();
        foreach (var uid in uids)
        {
            await pair.PutAsync(uid, WhitelistType.Never);
        }

        await using var msp = await MspSimulator.OpenAsync(pair.EmspChannel, MspBehaviour.Silent);
        var elapsed = await Task.WhenAll(uids.Select(async uid =>
        {
            var clock = Stopwatch.StartNew();
            var response = await pair.AuthorizeAsync(uid);
            Assert.Equal(DecisionSource.FallbackTimeout, response.Source);
            return clock.Elapsed.TotalMilliseconds;
        }));

        Assert.All(elapsed, ms => Assert.True(ms >= Deadline, $"fell back after {ms:0.0} ms, before the {Deadline} ms deadline"));
    }

    [Theory]
    [InlineData(WhitelistType.Always, Msp.Allow, AllowedType.Allowed, DecisionSource.HubCopy)]
    [InlineData(WhitelistType.Always, Msp.Deny, AllowedType.Allowed, DecisionSource.HubCopy)]
    [InlineData(WhitelistType.Always, Msp.Silent, AllowedType.Allowed, DecisionSource.HubCopy)]
    [InlineData(WhitelistType.Always, Msp.NoChannel, AllowedType.Allowed, DecisionSource.HubCopy)]
    [InlineData(WhitelistType.Always, Msp.DropsMidRequest, AllowedType.Allowed, DecisionSource.HubCopy)]
    [InlineData(WhitelistType.Allowed, Msp.Allow, AllowedType.Allowed, DecisionSource.MspRealTime)]
    [InlineData(WhitelistType.Allowed, Msp.Deny, AllowedType.Blocked, DecisionSource.MspRealTime)]
    [InlineData(WhitelistType.Allowed, Msp.Silent, AllowedType.Allowed, DecisionSource.FallbackTimeout)]
    [InlineData(WhitelistType.Allowed, Msp.NoChannel, AllowedType.Allowed, DecisionSource.HubCopy)]
    [InlineData(WhitelistType.Allowed, Msp.DropsMidRequest, AllowedType.Allowed, DecisionSource.HubCopy)]
    [InlineData(WhitelistType.AllowedOffline, Msp.Allow, AllowedType.Allowed, DecisionSource.MspRealTime)]
    [InlineData(WhitelistType.AllowedOffline, Msp.Deny, AllowedType.Blocked, DecisionSource.MspRealTime)]
    [InlineData(WhitelistType.AllowedOffline, Msp.Silent, AllowedType.Allowed, DecisionSource.FallbackTimeout)]
    [InlineData(WhitelistType.AllowedOffline, Msp.NoChannel, AllowedType.Allowed, DecisionSource.FallbackNoChannel)]
    [InlineData(WhitelistType.AllowedOffline, Msp.DropsMidRequest, AllowedType.Allowed, DecisionSource.FallbackNoChannel)]
    [InlineData(WhitelistType.Never, Msp.Allow, AllowedType.Allowed, DecisionSource.MspRealTime)]
    [InlineData(WhitelistType.Never, Msp.Deny, AllowedType.Blocked, DecisionSource.MspRealTime)]
    [InlineData(WhitelistType.Never, Msp.Silent, AllowedType.NotAllowed, DecisionSource.FallbackTimeout)]
    [InlineData(WhitelistType.Never, Msp.NoChannel, AllowedType.NotAllowed, DecisionSource.FallbackNoChannel)]
    [InlineData(WhitelistType.Never, Msp.DropsMidRequest, AllowedType.NotAllowed, DecisionSource.FallbackNoChannel)]
    public async Task Authorize_WhitelistAndMspBehaviour_DecidesByOcpiRules(WhitelistType whitelist, Msp behaviour, AllowedType allowed, DecisionSource source)
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        var uid = NextUid();
        await pair.PutAsync(uid, whitelist);
        await using var msp = behaviour == Msp.NoChannel ? null : await MspSimulator.OpenAsync(pair.EmspChannel, behaviour switch
        {
            Msp.Allow => MspBehaviour.Allow,
            Msp.Deny => MspBehaviour.Deny,
            Msp.Silent => MspBehaviour.Silent,
            _ => MspBehaviour.DropOnRequest,
        });

        var clock = Stopwatch.StartNew();
        var response = await pair.AuthorizeAsync(uid);
        var elapsed = clock.Elapsed.TotalMilliseconds;

        Assert.Equal(allowed, response.Authorization.Allowed);
        Assert.Equal(source, response.Source);
        Assert.Equal(uid, response.Authorization.Token.Uid);
        Assert.Equal("LOC1", response.Authorization.Location.LocationId);
        Assert.NotEmpty(response.Authorization.AuthorizationReference);
        Assert.Equal(whitelist == WhitelistType.Always ? 0 : behaviour == Msp.NoChannel ? 0 : 1, msp?.Received ?? 0);
        if (behaviour == Msp.Silent && whitelist != WhitelistType.Always)
        {
            Assert.InRange(elapsed, Deadline, Deadline + 1000);
        }

        if (behaviour == Msp.DropsMidRequest)
        {
            // A dropped channel fails its requests over at once, not after the deadline.
            Assert.True(elapsed < Deadline * 0.8, $"took {elapsed} ms");
        }

        if (behaviour is Msp.Allow or Msp.Deny && whitelist != WhitelistType.Always)
        {
            Assert.Equal(behaviour == Msp.Allow ? "Welcome" : "Card blocked by your provider", response.Authorization.Info.Text);
            Assert.Equal(response.Authorization.AuthorizationReference, msp!.LastRequest!.AuthorizationReference);
            Assert.Equal(pair.Cpo, msp.LastRequest.Cpo);
            Assert.Equal("EVSE1", Assert.Single(msp.LastRequest.Location.EvseUids));
        }

        // What is recorded under the reference is what was answered. Every EMSP ask records its fallback
        // provisionally before asking: a timeout answers with that record, anything else supersedes it.
        var record = await Hub.Services.GetRequiredService<IAuthorizationStore>().GetAsync(response.Authorization.AuthorizationReference);
        Assert.NotNull(record);
        Assert.Equal((int)allowed, (int)record.Allowed);
        Assert.Equal((int)source, (int)record.Source);
        Assert.Equal(source == DecisionSource.FallbackTimeout, record.Provisional);
    }

    [Fact]
    public async Task Authorize_ChannelDropsWithSecondOpen_FailsOverToTheSecond()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        var uid = NextUid();
        await pair.PutAsync(uid, WhitelistType.Never);
        await using var dropping = await MspSimulator.OpenAsync(pair.EmspChannel, MspBehaviour.DropOnRequest);
        await using var answering = await MspSimulator.OpenAsync(pair.EmspChannel, MspBehaviour.Allow);

        // Round-robin picks either first; whichever it is, every decision is the EMSP's.
        for (var i = 0; i < 4; i++)
        {
            var response = await pair.AuthorizeAsync(uid);
            Assert.Equal(DecisionSource.MspRealTime, response.Source);
            Assert.Equal(AllowedType.Allowed, response.Authorization.Allowed);
        }

        Assert.Equal(4, answering.Received);
    }

    [Fact]
    public async Task Authorize_TwoChannels_SpreadsRequests()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        var uid = NextUid();
        await pair.PutAsync(uid, WhitelistType.Allowed);
        await using var first = await MspSimulator.OpenAsync(pair.EmspChannel, MspBehaviour.Allow);
        await using var second = await MspSimulator.OpenAsync(pair.EmspChannel, MspBehaviour.Allow);

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(DecisionSource.MspRealTime, (await pair.AuthorizeAsync(uid)).Source);
        }

        Assert.Equal(5, first.Received);
        Assert.Equal(5, second.Received);
    }

    [Fact]
    public async Task Authorize_CpoDeadlineShorterThanMsps_AnswersWithinTheCpoDeadline()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        await using var msp = await MspSimulator.OpenAsync(pair.EmspChannel, MspBehaviour.Silent);

        // The hub keeps a margin of at most 250 ms before the caller's deadline (for its fallback's record and the
        // answer's way back); a stall of the whole 2-core CI machine longer than that missed it once in a full run
        // (DeadlineExceeded). Up to three attempts, each printed: a hub that answers late every time still fails.
        var attempts = new List<string>();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var uid = NextUid();
            await pair.PutAsync(uid, WhitelistType.Allowed);
            var clock = Stopwatch.StartNew();
            try
            {
                var response = await pair.AuthorizeAsync(uid, deadline: DateTime.UtcNow.AddMilliseconds(1000));
                Assert.Equal(DecisionSource.FallbackTimeout, response.Source);
                Assert.Equal(AllowedType.Allowed, response.Authorization.Allowed);
                if (clock.ElapsedMilliseconds < 1000)
                {
                    return;
                }

                attempts.Add($"attempt {attempt}: answered after {clock.ElapsedMilliseconds} ms");
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.DeadlineExceeded)
            {
                attempts.Add($"attempt {attempt}: DeadlineExceeded after {clock.ElapsedMilliseconds} ms");
            }
        }

        Assert.Fail($"no answer within the CPO's 1,000 ms deadline in 3 attempts: {string.Join("; ", attempts)}");
    }

    [Fact]
    public async Task Authorize_UnknownToken_NotAllowedNotAnError()
    {
        var pair = await RoamingPair.CreateAsync(Hub);

        var response = await pair.AuthorizeAsync("NEVER-ISSUED");

        Assert.Equal(AllowedType.NotAllowed, response.Authorization.Allowed);
        Assert.Equal(DecisionSource.HubRule, response.Source);
        Assert.Null(response.Authorization.Token);
        Assert.Equal("Unknown token", response.Authorization.Info.Text);
    }

    [Fact]
    public async Task Authorize_NoAgreement_NotAllowedAndMspNotAsked()
    {
        var pair = await RoamingPair.CreateAsync(Hub, agreement: false);
        var uid = NextUid();
        await pair.PutAsync(uid, WhitelistType.Never);
        await using var msp = await MspSimulator.OpenAsync(pair.EmspChannel, MspBehaviour.Allow);

        var response = await pair.AuthorizeAsync(uid);

        Assert.Equal(AllowedType.NotAllowed, response.Authorization.Allowed);
        Assert.Equal(DecisionSource.HubRule, response.Source);
        Assert.Null(response.Authorization.Token);
        Assert.Equal(0, msp.Received);
    }

    [Fact]
    public async Task Authorize_AgreementEnded_NotAllowed()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        var uid = NextUid();
        await pair.PutAsync(uid, WhitelistType.Always);
        Assert.Equal(AllowedType.Allowed, (await pair.AuthorizeAsync(uid)).Authorization.Allowed);

        await new PartyAdminService.PartyAdminServiceClient(Hub.Channel(Hub.OperatorSecret)).EndAgreementAsync(new EndAgreementRequest { Cpo = pair.Cpo, Emsp = pair.Emsp });

        Assert.Equal(AllowedType.NotAllowed, (await pair.AuthorizeAsync(uid)).Authorization.Allowed);
    }

    [Theory]
    [InlineData(TokenType.Rfid, AllowedType.Blocked)]
    [InlineData(TokenType.AppUser, AllowedType.Blocked)]
    [InlineData(TokenType.AdHocUser, AllowedType.Expired)]
    public async Task Authorize_InvalidToken_BlockedOrExpiredWithoutAskingMsp(TokenType type, AllowedType expected)
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        var uid = NextUid();
        await pair.PutAsync(uid, WhitelistType.Never, valid: false, type: type);
        await using var msp = await MspSimulator.OpenAsync(pair.EmspChannel, MspBehaviour.Allow);

        var response = await pair.AuthorizeAsync(uid, type);

        Assert.Equal(expected, response.Authorization.Allowed);
        Assert.Equal(DecisionSource.HubRule, response.Source);
        Assert.Equal(0, msp.Received);
    }

    [Fact]
    public async Task Authorize_Decision_ReferenceRecordedDurably()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        var uid = NextUid();
        await pair.PutAsync(uid, WhitelistType.Always);

        var response = await pair.AuthorizeAsync(uid);

        var record = await Hub.Services.GetRequiredService<IAuthorizationStore>().GetAsync(response.Authorization.AuthorizationReference);
        Assert.NotNull(record);
        Assert.Equal(uid, record.Uid);
        Assert.Equal($"{pair.Cpo.CountryCode}-{pair.Cpo.PartyId}-CPO", record.Cpo.ToString());
        Assert.Equal($"{pair.Emsp.CountryCode}-{pair.Emsp.PartyId}-EMSP", record.Emsp.ToString());
        Assert.Equal("LOC1", record.LocationId);
        Assert.Equal(["EVSE1"], record.EvseUids);
        Assert.Equal(Domain.Tokens.AllowedType.Allowed, record.Allowed);
        Assert.Equal(Domain.Tokens.DecisionSource.HubCopy, record.Source);
    }

    [Theory]
    [InlineData(TokenType.Rfid, "04A1B2C3D4")]
    [InlineData(TokenType.AdHocUser, "a-b_c.d")]
    [InlineData(TokenType.AppUser, "X")]
    [InlineData(TokenType.Other, "012345678901234567890123456789012345")]
    public async Task TokenGrainReferences_Get_SameGrainAsGetGrainByKeyString(TokenType type, string uid)
    {
        var domainType = (Domain.Tokens.TokenType)type;
        var grains = Hub.Services.GetRequiredService<IGrainFactory>();
        var references = Hub.Services.GetRequiredService<TokenGrainReferences>();

        var reference = references.Get(domainType, uid);

        Assert.Equal(grains.GetGrain<ITokenGrain>(TokenRecord.KeyOf(domainType, uid)).GetGrainId(), reference.GetGrainId());
        Assert.Equal(TokenRecord.KeyOf(domainType, uid), reference.GetPrimaryKeyString());
        // A token put through the API is what the reference's grain holds.
        var pair = await RoamingPair.CreateAsync(Hub);
        var put = NextUid();
        await pair.PutAsync(put, WhitelistType.Always, type: type);
        var token = await references.Get(domainType, put).Get();
        Assert.NotNull(token);
        Assert.Equal(put, token.Uid);
        Assert.Equal(domainType, token.Type);
    }

    [Fact]
    public async Task Authorize_ByEmsp_PermissionDenied()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        await AssertFails(StatusCode.PermissionDenied, () => pair.EmspTokens.AuthorizeAsync(new AuthorizeRequest { Uid = "X", Type = TokenType.Rfid }).ResponseAsync);
    }

    [Theory]
    [InlineData("", TokenType.Rfid, null, "uid")]
    [InlineData("has space", TokenType.Rfid, null, "uid")]
    [InlineData("0123456789012345678901234567890123456", TokenType.Rfid, null, "uid")]
    [InlineData("OK", TokenType.Unspecified, null, "type")]
    [InlineData("OK", (TokenType)99, null, "type")]
    [InlineData("OK", TokenType.Rfid, "", "location.location_id")]
    public async Task Rejects_MalformedAuthorize(string uid, TokenType type, string? location, string field)
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        var request = new AuthorizeRequest { Uid = uid, Type = type };
        if (location is not null)
        {
            request.Location = new LocationReferences { LocationId = location };
        }

        var ex = await AssertFails(StatusCode.InvalidArgument, () => pair.CpoTokens.AuthorizeAsync(request).ResponseAsync);
        Assert.Equal([field], ViolatedFields(ex));
    }

    [Fact]
    public async Task AuthorizationChannel_ByCpo_PermissionDenied()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => MspSimulator.OpenAsync(pair.CpoChannel, MspBehaviour.Allow));
        Assert.Equal(StatusCode.PermissionDenied, Assert.IsType<RpcException>(ex).StatusCode);
    }

    [Fact]
    public async Task AuthorizationChannel_AnswerForUnknownRequest_IgnoredCountedAndChannelKept()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        var uid = NextUid();
        await pair.PutAsync(uid, WhitelistType.Never);
        await using var msp = await MspSimulator.OpenAsync(pair.EmspChannel, MspBehaviour.Allow);
        var metrics = Hub.Services.GetRequiredService<TokenMetrics>();
        var before = metrics.UnknownAnswerTotal;

        await msp.SendAsync(new AuthorizationChannelRequest { Answer = new AuthorizationAnswer { RequestId = "someone-elses-request", Allowed = AllowedType.Allowed } });
        var response = await pair.AuthorizeAsync(uid);

        Assert.Equal(DecisionSource.MspRealTime, response.Source);
        Assert.True(metrics.UnknownAnswerTotal >= before + 1);
    }

    [Fact]
    public async Task Authorize_SlowMspAnswersWithinTheDeadline_ItsAnswerCountsAndIsRecorded()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        var uid = NextUid();
        await pair.PutAsync(uid, WhitelistType.Never);
        await using var msp = await MspSimulator.OpenAsync(pair.EmspChannel, MspBehaviour.Silent);

        var call = pair.AuthorizeAsync(uid);
        // Answer by hand, late but well inside the 1 s deadline.
        await WaitUntilAsync(() => msp.LastRequest is not null, "the EMSP got the request");
        var request = msp.LastRequest!;
        await Task.Delay(Deadline / 4);
        await msp.SendAsync(new AuthorizationChannelRequest { Answer = new AuthorizationAnswer { RequestId = request.RequestId, Allowed = AllowedType.Allowed } });
        var response = await call;

        Assert.Equal(DecisionSource.MspRealTime, response.Source);
        Assert.Equal(AllowedType.Allowed, response.Authorization.Allowed);
        var record = await Hub.Services.GetRequiredService<IAuthorizationStore>().GetAsync(response.Authorization.AuthorizationReference);
        Assert.NotNull(record);
        Assert.False(record.Provisional);
        Assert.Equal(Domain.Tokens.AllowedType.Allowed, record.Allowed);
    }

    [Fact]
    public async Task Authorize_SlowMspAnswersAfterTheDeadline_FallbackStandsLateAnswerIgnoredAndCounted()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        var uid = NextUid();
        await pair.PutAsync(uid, WhitelistType.Never);
        await using var msp = await MspSimulator.OpenAsync(pair.EmspChannel, MspBehaviour.Silent);
        var metrics = Hub.Services.GetRequiredService<TokenMetrics>();
        var before = metrics.UnknownAnswerTotal;

        var response = await pair.AuthorizeAsync(uid);
        Assert.Equal(DecisionSource.FallbackTimeout, response.Source);
        Assert.Equal(AllowedType.NotAllowed, response.Authorization.Allowed);
        Assert.Equal("The token's provider could not be reached to confirm it", response.Authorization.Info.Text);
        // The EMSP's ALLOWED arrives after the CPO got NOT_ALLOWED: it changes nothing, on the record either.
        await msp.SendAsync(new AuthorizationChannelRequest { Answer = new AuthorizationAnswer { RequestId = msp.LastRequest!.RequestId, Allowed = AllowedType.Allowed } });
        await WaitUntilAsync(() => metrics.UnknownAnswerTotal >= before + 1, "the late answer was counted");
        var record = await Hub.Services.GetRequiredService<IAuthorizationStore>().GetAsync(response.Authorization.AuthorizationReference);
        Assert.NotNull(record);
        Assert.True(record.Provisional);
        Assert.Equal(Domain.Tokens.AllowedType.NotAllowed, record.Allowed);
        Assert.Equal(Domain.Tokens.DecisionSource.FallbackTimeout, record.Source);
        // The channel is kept: the next request is still delivered.
        var received = msp.Received;
        Assert.Equal(DecisionSource.FallbackTimeout, (await pair.AuthorizeAsync(uid)).Source);
        Assert.Equal(received + 1, msp.Received);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }

        Assert.True(condition(), $"not within 20 s: {what}");
    }

    [Fact]
    public async Task AuthorizationChannel_GarbageAnswer_ChannelCutOthersUnharmed()
    {
        var (bad, good) = (await RoamingPair.CreateAsync(Hub), await RoamingPair.CreateAsync(Hub));
        var uid = NextUid();
        await good.PutAsync(uid, WhitelistType.Never);
        await using var badMsp = await MspSimulator.OpenAsync(bad.EmspChannel, MspBehaviour.Allow);
        await using var goodMsp = await MspSimulator.OpenAsync(good.EmspChannel, MspBehaviour.Allow);

        await badMsp.SendAsync(new AuthorizationChannelRequest { Answer = new AuthorizationAnswer { RequestId = "x", Allowed = AllowedType.Unspecified } });

        var ex = await Assert.ThrowsAsync<RpcException>(() => badMsp.Completion.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal(DecisionSource.MspRealTime, (await good.AuthorizeAsync(uid)).Source);
    }

    [Fact]
    public async Task AuthorizationChannel_FloodOfUnknownAnswers_ResourceExhausted()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        await using var msp = await MspSimulator.OpenAsync(pair.EmspChannel, MspBehaviour.Allow);

        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                await msp.SendAsync(new AuthorizationChannelRequest { Answer = new AuthorizationAnswer { RequestId = $"flood-{i}", Allowed = AllowedType.Allowed } });
            }

            await msp.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        });
        if (ex.StatusCode != StatusCode.ResourceExhausted)
        {
            // The write loop may see the stream end first; the hub's status is on the read side.
            ex = await Assert.ThrowsAsync<RpcException>(() => msp.Completion.WaitAsync(TimeSpan.FromSeconds(10)));
        }

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    private static string NextUid() => $"T{Interlocked.Increment(ref _uid):D6}{Guid.NewGuid().ToString("N")[..8]}";
}
