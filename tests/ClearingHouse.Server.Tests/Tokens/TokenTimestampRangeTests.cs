using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using static ClearingHouse.Server.Tests.Infrastructure.Parties;

namespace ClearingHouse.Server.Tests.Tokens;

/// <summary>
/// Out-of-range Timestamps in a token's <c>last_updated</c> (issue 17: they answered INTERNAL "Timestamp contains invalid
/// values") are refused InvalidArgument naming the field, in PutToken, PatchToken and PutTokens, and store nothing.
/// </summary>
public sealed class TokenTimestampRangeTests(EmbeddedHubFixture fixture) : IClassFixture<EmbeddedHubFixture>
{
    private HubHost Hub => fixture.Hub;

    public static TheoryData<long, int> OutOfRange => new()
    {
        { 253402300800, 0 },
        { -62135596801, 0 },
        { 0, 1_000_000_000 },
        { 0, -1 },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public async Task PutToken_LastUpdatedOutOfRange_InvalidArgumentNamingTheField(long seconds, int nanos)
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        var uid = $"TS{Guid.NewGuid():N}"[..20];
        var token = pair.Token(uid, WhitelistType.Always);
        token.LastUpdated = new Timestamp { Seconds = seconds, Nanos = nanos };

        var ex = await AssertFails(StatusCode.InvalidArgument, () => pair.EmspTokens.PutTokenAsync(new PutTokenRequest { Token = token }).ResponseAsync);

        Assert.Equal(["token.last_updated"], ViolatedFields(ex));
        await AssertFails(StatusCode.NotFound, () => pair.EmspTokens.GetTokenAsync(new GetTokenRequest { Uid = uid, Type = TokenType.Rfid }).ResponseAsync);
    }

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public async Task PatchToken_LastUpdatedOutOfRange_InvalidArgumentNamingTheField(long seconds, int nanos)
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        var uid = $"TS{Guid.NewGuid():N}"[..20];
        await pair.EmspTokens.PutTokenAsync(new PutTokenRequest { Token = pair.Token(uid, WhitelistType.Always) });

        var ex = await AssertFails(StatusCode.InvalidArgument, () => pair.EmspTokens.PatchTokenAsync(new PatchTokenRequest
        {
            Uid = uid, Type = TokenType.Rfid, Valid = false, LastUpdated = new Timestamp { Seconds = seconds, Nanos = nanos },
        }).ResponseAsync);

        Assert.Equal(["last_updated"], ViolatedFields(ex));
        var stored = await pair.EmspTokens.GetTokenAsync(new GetTokenRequest { Uid = uid, Type = TokenType.Rfid });
        Assert.True(stored.Token.Valid, "the refused patch was applied");
    }

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public async Task PutTokens_LastUpdatedOutOfRange_InvalidArgumentNamingTheToken(long seconds, int nanos)
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        var uid = $"TS{Guid.NewGuid():N}"[..20];
        var token = pair.Token(uid, WhitelistType.Always);
        token.LastUpdated = new Timestamp { Seconds = seconds, Nanos = nanos };

        var ex = await AssertFails(StatusCode.InvalidArgument, async () =>
        {
            using var call = pair.EmspTokens.PutTokens();
            await call.RequestStream.WriteAsync(new PutTokensRequest { Tokens = { token } });
            await call.RequestStream.CompleteAsync();
            await call.ResponseAsync;
        });

        Assert.Contains(ViolatedFields(ex), f => f.EndsWith("last_updated", StringComparison.Ordinal));
    }
}
