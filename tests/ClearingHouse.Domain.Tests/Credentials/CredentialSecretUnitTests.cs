using ClearingHouse.Domain.Credentials;
using ClearingHouse.Domain.Parties;

namespace ClearingHouse.Domain.Tests.Credentials;

public sealed class CredentialSecretUnitTests
{
    [Fact]
    public void Generate_ForParty_ParsesBackWithPartyAndId()
    {
        var party = new PartyKey("NL", "ABC", PartyRole.Cpo);
        var secret = CredentialSecret.Generate(party);

        Assert.True(CredentialSecret.TryParse(secret.Text, out var parsed));
        Assert.Equal(party, parsed.Party);
        Assert.Equal(secret.CredentialId, parsed.CredentialId);
        Assert.False(parsed.IsOperator);
        Assert.Equal(secret.Hash(), parsed.Hash());
    }

    [Fact]
    public void Generate_ForOperator_IsOperator()
    {
        var secret = CredentialSecret.Generate(party: null);
        Assert.True(CredentialSecret.TryParse(secret.Text, out var parsed));
        Assert.True(parsed.IsOperator);
    }

    [Fact]
    public void Generate_TwiceForSameParty_DiffersInIdAndSecret()
    {
        var party = new PartyKey("NL", "ABC", PartyRole.Cpo);
        var (a, b) = (CredentialSecret.Generate(party), CredentialSecret.Generate(party));
        Assert.NotEqual(a.CredentialId, b.CredentialId);
        Assert.NotEqual(a.Text, b.Text);
        Assert.False(CredentialSecret.HashesEqual(a.Hash(), b.Hash()));
    }

    [Fact]
    public void ToString_NeverShowsTheSecretPart()
    {
        var secret = CredentialSecret.Generate(new PartyKey("NL", "ABC", PartyRole.Cpo));
        var randomPart = secret.Text[(secret.Text.LastIndexOf('_') + 1)..];
        Assert.DoesNotContain(randomPart, secret.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Bearer abc")]
    [InlineData("chs_NL-ABC-CPO_0123456789ab")]
    [InlineData("xyz_NL-ABC-CPO_0123456789ab_0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("chs_NL-ABC-HUB_0123456789ab_0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("chs_NL-ABC-CPO_0123456789AB_0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("chs_NL-ABC-CPO_0123456789ab_000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("chs_NL-ABC-CPO_0123456789ab_00000000000000000000000000000000000000000000000000000000000000zz")]
    [InlineData("chs_NL-ABC-CPO_0123456789ab_0000000000000000000000000000000000000000000000000000000000000000_x")]
    public void Rejects_Malformed(string? text) => Assert.False(CredentialSecret.TryParse(text, out _));
}
