using ClearingHouse.Application.Access;
using ClearingHouse.Application.Tests.Infrastructure;
using ClearingHouse.Application.Tokens;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Tokens;

namespace ClearingHouse.Application.Tests.Tokens;

/// <summary>The token core's checks, the same for every edge: who may put, and which fields are refused.</summary>
public sealed class TokensCoreTests(CoreCluster hub) : IClassFixture<CoreCluster>
{
    private static readonly PartyKey Emsp = new("DE", "TK1", PartyRole.Emsp);

    [Theory]
    [InlineData("uid", "with space", "token.uid")]
    [InlineData("type", "0", "token.type")]
    [InlineData("contract_id", "", "token.contract_id")]
    [InlineData("issuer", " ", "token.issuer")]
    [InlineData("whitelist", "9", "token.whitelist")]
    [InlineData("language", "DE", "token.language")]
    [InlineData("group_id", "has space", "token.group_id")]
    [InlineData("visual_number", "bad\u0001", "token.visual_number")]
    [InlineData("default_profile_type", "7", "token.default_profile_type")]
    [InlineData("energy_contract", "", "token.energy_contract.supplier_name")]
    public void Rejects_MalformedToken(string property, string value, string field)
    {
        var token = property switch
        {
            "uid" => Token() with { Uid = value },
            "type" => Token() with { Type = (TokenType)int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) },
            "contract_id" => Token() with { ContractId = value },
            "issuer" => Token() with { Issuer = value },
            "whitelist" => Token() with { Whitelist = (WhitelistType)int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) },
            "language" => Token() with { Language = value },
            "group_id" => Token() with { GroupId = value },
            "visual_number" => Token() with { VisualNumber = value },
            "default_profile_type" => Token() with { DefaultProfileType = (ProfileType)int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) },
            _ => Token() with { EnergySupplierName = value },
        };

        var ex = Assert.Throws<HubException>(() => TokensCore.ValidateToken(token, Emsp, "token"));

        Assert.Equal((HubErrorCode.InvalidArgument, field), (ex.Code, ex.Field));
    }

    [Fact]
    public void ValidateToken_AnotherEmspsToken_PermissionDenied()
    {
        var ex = Assert.Throws<HubException>(() => TokensCore.ValidateToken(Token(), Emsp with { PartyId = "TK2" }, "token"));

        Assert.Equal(HubErrorCode.PermissionDenied, ex.Code);
    }

    [Fact]
    public void ValidateToken_WellFormed_Accepted() => TokensCore.ValidateToken(Token(), Emsp, "token");

    [Fact]
    public async Task PutAsync_ByCpoWithMalformedToken_PermissionDeniedFirst()
    {
        var cpo = new CallerIdentity(new PartyKey("NL", "TK3", PartyRole.Cpo), "test");

        var ex = await Assert.ThrowsAsync<HubException>(() => hub.Get<TokensCore>().PutAsync(cpo, Token() with { Uid = "" }));

        Assert.Equal(HubErrorCode.PermissionDenied, ex.Code);
    }

    [Fact]
    public async Task PutAsync_NoToken_InvalidArgument()
    {
        var ex = await Assert.ThrowsAsync<HubException>(() => hub.Get<TokensCore>().PutAsync(new CallerIdentity(Emsp, "test"), null));

        Assert.Equal((HubErrorCode.InvalidArgument, "token"), (ex.Code, ex.Field));
    }

    [Fact]
    public async Task PutThenPatchAndGet_OwnToken_PatchAppliedAndReadBack()
    {
        var emsp = new CallerIdentity(Emsp with { PartyId = "TK4" }, "test");
        var tokens = hub.Get<TokensCore>();
        var token = Token() with { Owner = emsp.Party!.Value, Uid = $"P{Guid.NewGuid():N}"[..20] };

        Assert.True((await tokens.PutAsync(emsp, token)).Created);
        await tokens.PatchAsync(emsp, token.Type, token.Uid, new TokenPatch { Valid = false, LastUpdated = token.LastUpdated.AddMinutes(1) });

        var read = await tokens.GetAsync(new CallerIdentity(null, "operator"), token.Type, token.Uid);
        Assert.False(read.Valid);
        var other = new CallerIdentity(Emsp with { PartyId = "TK5" }, "test");
        Assert.Equal(HubErrorCode.NotFound, (await Assert.ThrowsAsync<HubException>(() => tokens.GetAsync(other, token.Type, token.Uid))).Code);
    }

    [Fact]
    public async Task PutPatchUpload_FarFutureLastUpdated_InvalidArgumentNamingField()
    {
        var emsp = new CallerIdentity(Emsp with { PartyId = "TK6" }, "test");
        var tokens = hub.Get<TokensCore>();
        var future = DateTimeOffset.UtcNow.AddYears(100);
        var token = Token() with { Owner = emsp.Party!.Value, Uid = "FUTURE1", LastUpdated = future };

        var put = await Assert.ThrowsAsync<HubException>(() => tokens.PutAsync(emsp, token));
        var patch = await Assert.ThrowsAsync<HubException>(() => tokens.PatchAsync(emsp, token.Type, token.Uid, new TokenPatch { Valid = false, LastUpdated = future }));
        var upload = await Assert.ThrowsAsync<HubException>(() => tokens.UploadAsync(emsp, OneMessage(token), static (t, _, _) => t, CancellationToken.None));

        Assert.Equal((HubErrorCode.InvalidArgument, "token.last_updated"), (put.Code, put.Field));
        Assert.Equal((HubErrorCode.InvalidArgument, "last_updated"), (patch.Code, patch.Field));
        Assert.Equal((HubErrorCode.InvalidArgument, "tokens[0].last_updated"), (upload.Code, upload.Field));
    }

    private static async IAsyncEnumerable<IReadOnlyList<TokenRecord>> OneMessage(TokenRecord token)
    {
        await Task.Yield();
        yield return [token];
    }

    private static TokenRecord Token() => new()
    {
        Owner = Emsp,
        Uid = "GOOD",
        Type = TokenType.Rfid,
        ContractId = "DE-TK1-C00001",
        Issuer = "Test Mobility",
        Valid = true,
        Whitelist = WhitelistType.Always,
        LastUpdated = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero),
    };
}
