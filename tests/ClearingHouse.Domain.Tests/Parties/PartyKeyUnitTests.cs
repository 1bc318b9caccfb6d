using ClearingHouse.Domain.Parties;

namespace ClearingHouse.Domain.Tests.Parties;

public sealed class PartyKeyUnitTests
{
    [Theory]
    [InlineData("NL-ABC-CPO", "NL", "ABC", PartyRole.Cpo)]
    [InlineData("DE-XY1-EMSP", "DE", "XY1", PartyRole.Emsp)]
    [InlineData("DE-XY1-emsp", "DE", "XY1", PartyRole.Emsp)]
    public void Accepts_TextForm(string text, string country, string partyId, PartyRole role)
    {
        Assert.True(PartyKey.TryParse(text, out var key));
        Assert.Equal(new PartyKey(country, partyId, role), key);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("NL-ABC")]
    [InlineData("NL-ABC-HUB")]
    [InlineData("nl-ABC-CPO")]
    [InlineData("NL-AB-CPO")]
    [InlineData("NL-ABC-CPO-X")]
    [InlineData("NL_ABC_CPO")]
    public void Rejects_TextForm(string? text) => Assert.False(PartyKey.TryParse(text, out _));

    [Fact]
    public void ToString_RoundTrips()
    {
        var key = new PartyKey("FR", "Z9Z", PartyRole.Emsp);
        Assert.Equal("FR-Z9Z-EMSP", key.ToString());
        Assert.True(PartyKey.TryParse(key.ToString(), out var parsed));
        Assert.Equal(key, parsed);
    }

    [Fact]
    public void CompareTo_OrdersByCountryThenPartyThenRole()
    {
        var keys = new[]
        {
            new PartyKey("NL", "ABC", PartyRole.Emsp),
            new PartyKey("DE", "ZZZ", PartyRole.Cpo),
            new PartyKey("NL", "ABC", PartyRole.Cpo),
            new PartyKey("NL", "AAA", PartyRole.Emsp),
        };

        Assert.Equal(
            ["DE-ZZZ-CPO", "NL-AAA-EMSP", "NL-ABC-CPO", "NL-ABC-EMSP"],
            keys.Order().Select(k => k.ToString()));
    }
}
