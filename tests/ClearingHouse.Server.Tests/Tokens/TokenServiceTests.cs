using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using Grpc.Core;
using static ClearingHouse.Server.Tests.Infrastructure.Parties;

namespace ClearingHouse.Server.Tests.Tokens;

/// <summary>The EMSP side of TokenService over real gRPC: put, patch, get, bulk upload, ownership and conflicts.</summary>
public sealed class TokenServiceTests(EmbeddedHubFixture fixture) : IClassFixture<EmbeddedHubFixture>
{
    private HubHost Hub => fixture.Hub;

    [Fact]
    public async Task PutToken_New_CreatedAndReadBack()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        var token = pair.Token("CARD-1", WhitelistType.Allowed);
        token.VisualNumber = "DE-XYZ-000001";
        token.Language = "de";
        token.DefaultProfileType = ProfileType.Green;
        token.EnergyContract = new EnergyContract { SupplierName = "Green Power", ContractId = "GP-1" };

        var first = await pair.EmspTokens.PutTokenAsync(new PutTokenRequest { Token = token });
        var second = await pair.EmspTokens.PutTokenAsync(new PutTokenRequest { Token = token });
        var got = await pair.EmspTokens.GetTokenAsync(new GetTokenRequest { Uid = "CARD-1", Type = TokenType.Rfid });

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(token, got.Token);
    }

    [Fact]
    public async Task PutToken_UnderAnotherParty_PermissionDeniedNothingStored()
    {
        var (mine, theirs) = (await RoamingPair.CreateAsync(Hub), await RoamingPair.CreateAsync(Hub));
        var token = theirs.Token("STOLEN-1", WhitelistType.Always);

        await AssertFails(StatusCode.PermissionDenied, () => mine.EmspTokens.PutTokenAsync(new PutTokenRequest { Token = token }).ResponseAsync);

        await AssertFails(StatusCode.NotFound, () => theirs.EmspTokens.GetTokenAsync(new GetTokenRequest { Uid = "STOLEN-1", Type = TokenType.Rfid }).ResponseAsync);
    }

    [Fact]
    public async Task PutToken_ByCpo_PermissionDenied()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        var token = pair.Token("CPO-PUT", WhitelistType.Always);
        token.CountryCode = pair.Cpo.CountryCode;
        token.PartyId = pair.Cpo.PartyId;

        await AssertFails(StatusCode.PermissionDenied, () => pair.CpoTokens.PutTokenAsync(new PutTokenRequest { Token = token }).ResponseAsync);
        await AssertFails(StatusCode.PermissionDenied, () => pair.CpoTokens.GetTokenAsync(new GetTokenRequest { Uid = "CPO-PUT", Type = TokenType.Rfid }).ResponseAsync);
        await AssertFails(StatusCode.PermissionDenied, () => pair.CpoTokens.PatchTokenAsync(new PatchTokenRequest { Uid = "CPO-PUT", Type = TokenType.Rfid, Valid = false }).ResponseAsync);
    }

    [Fact]
    public async Task PutToken_UidOwnedByAnotherEmsp_AlreadyExistsAndOwnerKept()
    {
        var (first, second) = (await RoamingPair.CreateAsync(Hub), await RoamingPair.CreateAsync(Hub));
        var uid = $"SHARED-{Guid.NewGuid():N}"[..30];
        await first.PutAsync(uid, WhitelistType.Always);

        var ex = await AssertFails(StatusCode.AlreadyExists, () => second.EmspTokens.PutTokenAsync(new PutTokenRequest { Token = second.Token(uid, WhitelistType.Never, valid: false) }).ResponseAsync);
        Assert.Contains("owned by another EMSP", ex.Status.Detail, StringComparison.Ordinal);

        var kept = await first.EmspTokens.GetTokenAsync(new GetTokenRequest { Uid = uid, Type = TokenType.Rfid });
        Assert.True(kept.Token.Valid);
        Assert.Equal(first.Emsp.PartyId, kept.Token.PartyId);
        // The same uid with another type is another token.
        Assert.True((await second.EmspTokens.PutTokenAsync(new PutTokenRequest { Token = second.Token(uid, WhitelistType.Never, type: TokenType.AppUser) })).Created);
    }

    [Theory]
    [InlineData("uid", "", "token.uid")]
    [InlineData("uid", "with space", "token.uid")]
    [InlineData("uid", "0123456789012345678901234567890123456", "token.uid")]
    [InlineData("type", "0", "token.type")]
    [InlineData("contract_id", "", "token.contract_id")]
    [InlineData("issuer", "", "token.issuer")]
    [InlineData("whitelist", "0", "token.whitelist")]
    [InlineData("language", "DE", "token.language")]
    [InlineData("group_id", "has space", "token.group_id")]
    [InlineData("visual_number", "bad\u0001", "token.visual_number")]
    public async Task Rejects_MalformedToken(string property, string value, string field)
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        var token = pair.Token("GOOD", WhitelistType.Always);
        switch (property)
        {
            case "uid": token.Uid = value; break;
            case "type": token.Type = (TokenType)int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case "contract_id": token.ContractId = value; break;
            case "issuer": token.Issuer = value; break;
            case "whitelist": token.Whitelist = (WhitelistType)int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case "language": token.Language = value; break;
            case "group_id": token.GroupId = value; break;
            case "visual_number": token.VisualNumber = value; break;
        }

        var ex = await AssertFails(StatusCode.InvalidArgument, () => pair.EmspTokens.PutTokenAsync(new PutTokenRequest { Token = token }).ResponseAsync);
        Assert.Equal([field], ViolatedFields(ex));
        await AssertFails(StatusCode.NotFound, () => pair.EmspTokens.GetTokenAsync(new GetTokenRequest { Uid = "GOOD", Type = TokenType.Rfid }).ResponseAsync);
    }

    [Fact]
    public async Task PatchToken_Invalidate_NextAuthorizationBlocked()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        await pair.PutAsync("PATCH-1", WhitelistType.Always);
        Assert.Equal(AllowedType.Allowed, (await pair.AuthorizeAsync("PATCH-1")).Authorization.Allowed);

        var patched = await pair.EmspTokens.PatchTokenAsync(new PatchTokenRequest { Uid = "PATCH-1", Type = TokenType.Rfid, Valid = false, GroupId = "G1" });

        Assert.False(patched.Token.Valid);
        Assert.Equal("G1", patched.Token.GroupId);
        Assert.Equal("Test Mobility", patched.Token.Issuer);
        Assert.Equal(AllowedType.Blocked, (await pair.AuthorizeAsync("PATCH-1")).Authorization.Allowed);
    }

    [Fact]
    public async Task PatchToken_AnotherEmspsToken_NotFoundAndUnchanged()
    {
        var (owner, other) = (await RoamingPair.CreateAsync(Hub), await RoamingPair.CreateAsync(Hub));
        var uid = $"OWNED-{Guid.NewGuid():N}"[..30];
        await owner.PutAsync(uid, WhitelistType.Always);

        await AssertFails(StatusCode.NotFound, () => other.EmspTokens.PatchTokenAsync(new PatchTokenRequest { Uid = uid, Type = TokenType.Rfid, Valid = false }).ResponseAsync);
        await AssertFails(StatusCode.NotFound, () => other.EmspTokens.GetTokenAsync(new GetTokenRequest { Uid = uid, Type = TokenType.Rfid }).ResponseAsync);
        Assert.True((await owner.EmspTokens.GetTokenAsync(new GetTokenRequest { Uid = uid, Type = TokenType.Rfid })).Token.Valid);
    }

    [Fact]
    public async Task PutTokens_BulkWithOneConflict_StoresTheRestAndReportsTheConflict()
    {
        var (owner, uploader) = (await RoamingPair.CreateAsync(Hub), await RoamingPair.CreateAsync(Hub));
        var prefix = Guid.NewGuid().ToString("N")[..8];
        await owner.PutAsync($"{prefix}-00042", WhitelistType.Always);

        using var call = uploader.EmspTokens.PutTokens();
        // The fixture's hub takes messages of 16 KiB at most: 100 tokens per message.
        for (var batch = 0; batch < 120; batch++)
        {
            var message = new PutTokensRequest();
            for (var i = 0; i < 100; i++)
            {
                message.Tokens.Add(uploader.Token($"{prefix}-{(batch * 100) + i:D5}", WhitelistType.Always));
            }

            await call.RequestStream.WriteAsync(message);
        }

        await call.RequestStream.CompleteAsync();
        var response = await call;

        Assert.Equal(11_999, response.Stored);
        Assert.Equal(1, response.Conflicts);
        Assert.Equal($"{prefix}-00042", Assert.Single(response.ConflictSamples).Uid);
        Assert.Equal(uploader.Emsp.PartyId, (await uploader.EmspTokens.GetTokenAsync(new GetTokenRequest { Uid = $"{prefix}-11999", Type = TokenType.Rfid })).Token.PartyId);
        Assert.Equal(AllowedType.Allowed, (await uploader.AuthorizeAsync($"{prefix}-05000")).Authorization.Allowed);
        Assert.Equal(owner.Emsp.PartyId, (await owner.EmspTokens.GetTokenAsync(new GetTokenRequest { Uid = $"{prefix}-00042", Type = TokenType.Rfid })).Token.PartyId);
    }

    [Fact]
    public async Task PutTokens_MalformedTokenInStream_InvalidArgumentNamingIt()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        using var call = pair.EmspTokens.PutTokens();
        var message = new PutTokensRequest { Tokens = { pair.Token("BULK-OK", WhitelistType.Always), pair.Token("bad uid", WhitelistType.Always) } };
        await call.RequestStream.WriteAsync(message);
        await call.RequestStream.CompleteAsync();

        var ex = await AssertFails(StatusCode.InvalidArgument, () => call.ResponseAsync);
        Assert.Equal(["tokens[1].uid"], ViolatedFields(ex));
    }

    [Fact]
    public async Task GetToken_Operator_ReadsAnyToken()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        await pair.PutAsync("OP-READ", WhitelistType.Never);
        var admin = new TokenService.TokenServiceClient(Hub.Channel(Hub.OperatorSecret));

        var got = await admin.GetTokenAsync(new GetTokenRequest { Uid = "OP-READ", Type = TokenType.Rfid });

        Assert.Equal(pair.Emsp.PartyId, got.Token.PartyId);
    }

    [Fact]
    public async Task TokenService_NoCredential_Unauthenticated()
    {
        var client = new TokenService.TokenServiceClient(Hub.Channel(null));
        await AssertFails(StatusCode.Unauthenticated, () => client.AuthorizeAsync(new AuthorizeRequest { Uid = "X", Type = TokenType.Rfid }).ResponseAsync);
    }
}
