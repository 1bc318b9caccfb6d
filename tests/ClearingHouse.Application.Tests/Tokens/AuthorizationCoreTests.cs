using System.Collections.Concurrent;
using System.Threading.Channels;
using ClearingHouse.Application.Access;
using ClearingHouse.Application.Tests.Infrastructure;
using ClearingHouse.Application.Tokens;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Tokens;
using Microsoft.Extensions.DependencyInjection;

namespace ClearingHouse.Application.Tests.Tokens;

/// <summary>
/// The authorization and token cores called as an edge would, on a real in-process cluster: each decision path,
/// and the EMSP channel's rules over an in-memory link (no gRPC anywhere).
/// </summary>
public sealed class AuthorizationCoreTests(CoreCluster hub) : IClassFixture<CoreCluster>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private static int _uid;
    private static int _party;

    private IServiceProvider Services => hub.Services();

    private AuthorizationCore Authorizer => Services.GetRequiredService<AuthorizationCore>();

    [Fact]
    public async Task AuthorizeAsync_UnknownToken_NotAllowedByHubRuleAndRecorded()
    {
        var (cpo, _) = await PairAsync();

        var result = await Authorizer.AuthorizeAsync(cpo, Query(NextUid()), DateTime.MaxValue, CancellationToken.None);

        Assert.Equal(new AuthorizationDecision(AllowedType.NotAllowed, DecisionSource.HubRule), result.Decision);
        Assert.Equal("Unknown token", result.Info?.Text);
        Assert.Null(result.Token);
        var record = await Services.GetRequiredService<IAuthorizationStore>().GetAsync(result.Reference);
        Assert.NotNull(record);
        Assert.Equal(AllowedType.NotAllowed, record.Allowed);
        Assert.Null(record.Emsp);
    }

    [Fact]
    public async Task AuthorizeAsync_AlwaysToken_HubCopyWithTheToken()
    {
        var (cpo, emsp) = await PairAsync();
        var uid = await PutAsync(emsp, WhitelistType.Always);

        var result = await Authorizer.AuthorizeAsync(cpo, Query(uid), DateTime.MaxValue, CancellationToken.None);

        Assert.Equal(new AuthorizationDecision(AllowedType.Allowed, DecisionSource.HubCopy), result.Decision);
        Assert.Null(result.Info);
        Assert.Equal(uid, result.Token?.Uid);
    }

    [Fact]
    public async Task AuthorizeAsync_NoAgreement_NotAllowedAndEmspNotAsked()
    {
        var (cpo, emsp) = await PairAsync(agreement: false);
        var uid = await PutAsync(emsp, WhitelistType.Never);
        await using var msp = await TestMsp.OpenAsync(Services, emsp, _ => Answer(AllowedType.Allowed));

        var result = await Authorizer.AuthorizeAsync(cpo, Query(uid), DateTime.MaxValue, CancellationToken.None);

        Assert.Equal(new AuthorizationDecision(AllowedType.NotAllowed, DecisionSource.HubRule), result.Decision);
        Assert.Equal("No roaming agreement with the token's provider", result.Info?.Text);
        Assert.Null(result.Token);
        Assert.Empty(msp.Requests);
    }

    [Fact]
    public async Task AuthorizeAsync_EmspAnswers_ItsAnswerAndTextCountAndTheRecordIsFinal()
    {
        var (cpo, emsp) = await PairAsync();
        var uid = await PutAsync(emsp, WhitelistType.Allowed);
        await using var msp = await TestMsp.OpenAsync(Services, emsp, _ => Answer(AllowedType.Blocked, "de", "Karte gesperrt"));

        var result = await Authorizer.AuthorizeAsync(cpo, Query(uid), DateTime.MaxValue, CancellationToken.None);

        Assert.Equal(new AuthorizationDecision(AllowedType.Blocked, DecisionSource.MspRealTime), result.Decision);
        Assert.Equal(("de", "Karte gesperrt"), (result.Info?.Language, result.Info?.Text));
        var asked = Assert.Single(msp.Requests).Ask;
        Assert.Equal((result.Reference, cpo.Party, "LOC1"), (asked.AuthorizationReference, (PartyKey?)asked.Cpo, asked.LocationId));
        Assert.Equal(["EVSE1"], asked.EvseUids);
        var record = await Services.GetRequiredService<IAuthorizationStore>().GetAsync(result.Reference);
        Assert.NotNull(record);
        Assert.False(record.Provisional);
        Assert.Equal((AllowedType.Blocked, DecisionSource.MspRealTime), (record.Allowed, record.Source));
    }

    [Fact]
    public async Task AuthorizeAsync_SilentEmsp_FallsBackToTheHubCopyOnAProvisionalRecord()
    {
        var (cpo, emsp) = await PairAsync();
        var uid = await PutAsync(emsp, WhitelistType.Allowed);
        await using var msp = await TestMsp.OpenAsync(Services, emsp, _ => null);

        // The default 1.5 s deadline, cut by the caller's own.
        var result = await Authorizer.AuthorizeAsync(cpo, Query(uid), DateTime.UtcNow.AddSeconds(1), CancellationToken.None);

        Assert.Equal(new AuthorizationDecision(AllowedType.Allowed, DecisionSource.FallbackTimeout), result.Decision);
        Assert.Single(msp.Requests);
        var record = await Services.GetRequiredService<IAuthorizationStore>().GetAsync(result.Reference);
        Assert.NotNull(record);
        Assert.True(record.Provisional);
        Assert.Equal((AllowedType.Allowed, DecisionSource.FallbackTimeout), (record.Allowed, record.Source));
    }

    [Fact]
    public async Task AuthorizeAsync_NoChannelNeverToken_NotAllowedWithTheUnreachableText()
    {
        var (cpo, emsp) = await PairAsync();
        var uid = await PutAsync(emsp, WhitelistType.Never);

        var result = await Authorizer.AuthorizeAsync(cpo, Query(uid), DateTime.MaxValue, CancellationToken.None);

        Assert.Equal(new AuthorizationDecision(AllowedType.NotAllowed, DecisionSource.FallbackNoChannel), result.Decision);
        Assert.Equal("The token's provider could not be reached to confirm it", result.Info?.Text);
    }

    [Fact]
    public async Task AuthorizeAsync_ByEmsp_PermissionDenied()
    {
        var (_, emsp) = await PairAsync();

        var ex = await Assert.ThrowsAsync<HubException>(() => Authorizer.AuthorizeAsync(emsp, Query(NextUid()), DateTime.MaxValue, CancellationToken.None));

        Assert.Equal(HubErrorCode.PermissionDenied, ex.Code);
    }

    [Theory]
    [InlineData("has space", TokenType.Rfid, "LOC1", "EVSE1", "uid")]
    [InlineData("OK", (TokenType)0, "LOC1", "EVSE1", "type")]
    [InlineData("OK", TokenType.Rfid, "", "EVSE1", "location.location_id")]
    [InlineData("OK", TokenType.Rfid, "LOC1", "bad evse", "location.evse_uids[0]")]
    public async Task Rejects_MalformedQuery(string uid, TokenType type, string location, string evse, string field)
    {
        var (cpo, _) = await PairAsync();

        var ex = await Assert.ThrowsAsync<HubException>(() => Authorizer.AuthorizeAsync(cpo, new AuthorizationQuery(uid, type, location, [evse]), DateTime.MaxValue, CancellationToken.None));

        Assert.Equal((HubErrorCode.InvalidArgument, field), (ex.Code, ex.Field));
    }

    [Fact]
    public async Task ServeAsync_MalformedAnswer_ChannelClosedWithInvalidArgument()
    {
        var (_, emsp) = await PairAsync();
        await using var msp = await TestMsp.OpenAsync(Services, emsp, _ => null);

        msp.Send(new MspAnswer { IsAnswer = true, RequestId = "x", Allowed = 0 });

        var ex = await Assert.ThrowsAsync<HubException>(() => msp.Serving.WaitAsync(Wait));
        Assert.Equal(HubErrorCode.InvalidArgument, ex.Code);
        Assert.Contains("an answer without a valid allowed value", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServeAsync_FloodOfUnknownAnswers_ChannelClosedWithResourceExhausted()
    {
        var (_, emsp) = await PairAsync();
        await using var msp = await TestMsp.OpenAsync(Services, emsp, _ => null);

        for (var i = 0; i < 10_000; i++)
        {
            msp.Send(Answer(AllowedType.Allowed) with { RequestId = $"flood-{i}" });
        }

        var ex = await Assert.ThrowsAsync<HubException>(() => msp.Serving.WaitAsync(Wait));
        Assert.Equal(HubErrorCode.ResourceExhausted, ex.Code);
    }

    [Theory]
    [InlineData(false, "x", AllowedType.Allowed, null, null, "a message without an answer")]
    [InlineData(true, "", AllowedType.Allowed, null, null, "an answer without a valid request_id")]
    [InlineData(true, "x", (AllowedType)6, null, null, "an answer without a valid allowed value")]
    [InlineData(true, "x", AllowedType.Allowed, "english", "text", "an answer with a malformed info")]
    [InlineData(true, "x", AllowedType.Allowed, "en", "text", null)]
    [InlineData(true, "x", AllowedType.NotAllowed, null, null, null)]
    public void Problem_OfAnswer_NamesWhatIsWrong(bool isAnswer, string requestId, AllowedType allowed, string? language, string? text, string? problem) =>
        Assert.Equal(problem, AuthorizationChannelCore.Problem(new MspAnswer { IsAnswer = isAnswer, RequestId = requestId, Allowed = allowed, InfoLanguage = language, InfoText = text }));

    [Fact]
    public async Task UploadAsync_TokenOfAnotherEmsp_PermissionDeniedNamingItAndNothingStored()
    {
        var ((_, mine), (_, theirs)) = (await PairAsync(), await PairAsync());
        var tokens = Services.GetRequiredService<TokensCore>();
        var (ok, stolen) = (Token(mine, NextUid(), WhitelistType.Always), Token(theirs, NextUid(), WhitelistType.Always));

        var ex = await Assert.ThrowsAsync<HubException>(() => tokens.UploadAsync(mine, Messages([ok, stolen]), static (t, _, _) => t, CancellationToken.None));

        Assert.Equal((HubErrorCode.PermissionDenied, "tokens[1]"), (ex.Code, ex.Message[..9]));
        Assert.Equal(HubErrorCode.NotFound, (await Assert.ThrowsAsync<HubException>(() => tokens.GetAsync(mine, ok.Type, ok.Uid))).Code);
    }

    private static async IAsyncEnumerable<IReadOnlyList<TokenRecord>> Messages(IReadOnlyList<TokenRecord> tokens)
    {
        await Task.Yield();
        yield return tokens;
    }

    private static MspAnswer Answer(AllowedType allowed, string? language = null, string? text = null) =>
        new() { IsAnswer = true, RequestId = "", Allowed = allowed, InfoLanguage = language, InfoText = text };

    private static AuthorizationQuery Query(string uid) => new(uid, TokenType.Rfid, "LOC1", ["EVSE1"]);

    /// <summary>A CPO and an EMSP registered (with an agreement unless told otherwise) and seen by the silo's directory.</summary>
    private async Task<(CallerIdentity Cpo, CallerIdentity Emsp)> PairAsync(bool agreement = true)
    {
        var n = Interlocked.Increment(ref _party);
        var cpo = await hub.RegisterAsync($"NL-T{n:D2}-CPO");
        var emsp = await hub.RegisterAsync($"DE-T{n:D2}-EMSP");
        if (agreement)
        {
            await hub.AgreeAsync(cpo, emsp);
            await hub.WaitForDirectoryAsync(v => v.GetAgreement(cpo, emsp) is not null);
        }
        else
        {
            await hub.WaitForDirectoryAsync(v => v.GetParty(emsp) is not null);
        }

        // Real credentials: LiveAccess closes the EMSP's channel of a credential the party does not hold.
        return (await hub.CallerAsync(cpo), await hub.CallerAsync(emsp));
    }

    private async Task<string> PutAsync(CallerIdentity emsp, WhitelistType whitelist)
    {
        var uid = NextUid();
        var put = await Services.GetRequiredService<TokensCore>().PutAsync(emsp, Token(emsp, uid, whitelist));
        Assert.True(put.Created);
        return uid;
    }

    private static TokenRecord Token(CallerIdentity emsp, string uid, WhitelistType whitelist) => new()
    {
        Owner = emsp.Party!.Value,
        Uid = uid,
        Type = TokenType.Rfid,
        ContractId = $"C{uid}",
        Issuer = "Test Mobility",
        Valid = true,
        Whitelist = whitelist,
        LastUpdated = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero),
    };

    private static string NextUid() => $"K{Interlocked.Increment(ref _uid):D6}{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>An EMSP's channel served by the core over an in-memory link; answers what <c>behaviour</c> returns (null: silent).</summary>
    private sealed class TestMsp : IMspChannelLink, IAsyncDisposable
    {
        private readonly Channel<MspAnswer> _answers = Channel.CreateUnbounded<MspAnswer>();
        private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _stop = new();
        private readonly Func<MspAuthorizationRequest, MspAnswer?> _behaviour;

        private TestMsp(Func<MspAuthorizationRequest, MspAnswer?> behaviour) => _behaviour = behaviour;

        public ConcurrentQueue<MspAuthorizationRequest> Requests { get; } = new();

        public Task Serving { get; private set; } = Task.CompletedTask;

        public static async Task<TestMsp> OpenAsync(IServiceProvider services, CallerIdentity emsp, Func<MspAuthorizationRequest, MspAnswer?> behaviour)
        {
            var msp = new TestMsp(behaviour);
            msp.Serving = services.GetRequiredService<AuthorizationChannelCore>().ServeAsync(emsp, msp, msp._stop.Token);
            await msp._ready.Task.WaitAsync(Wait);
            return msp;
        }

        public void Send(MspAnswer answer) => Assert.True(_answers.Writer.TryWrite(answer));

        public Task SendReadyAsync(string channelId, TimeSpan deadline)
        {
            _ready.TrySetResult();
            return Task.CompletedTask;
        }

        public Task SendRequestAsync(MspAuthorizationRequest request, CancellationToken cancellationToken)
        {
            Requests.Enqueue(request);
            if (_behaviour(request) is { } answer)
            {
                Send(answer with { RequestId = request.RequestId });
            }

            return Task.CompletedTask;
        }

        public IAsyncEnumerable<MspAnswer> ReadAnswersAsync(CancellationToken cancellationToken) => _answers.Reader.ReadAllAsync(cancellationToken);

        public async ValueTask DisposeAsync()
        {
            _answers.Writer.TryComplete();
            try
            {
                await Serving.WaitAsync(Wait);
            }
            catch (HubException)
            {
                // The test looked at how the hub closed the channel.
            }

            _stop.Dispose();
        }
    }
}
