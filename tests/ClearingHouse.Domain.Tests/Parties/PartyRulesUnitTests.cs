using ClearingHouse.Domain.Parties;

namespace ClearingHouse.Domain.Tests.Parties;

public sealed class PartyRulesUnitTests
{
    [Theory]
    [InlineData("NL")]
    [InlineData("DE")]
    [InlineData("US")]
    [InlineData("ZW")]
    public void Accepts_CountryCode(string code) => Assert.Null(PartyRules.ValidateCountryCode(code));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("nl")]
    [InlineData("NLD")]
    [InlineData("N")]
    [InlineData("XX")]
    [InlineData("UK")]
    [InlineData("1A")]
    public void Rejects_CountryCode(string? code) => Assert.NotNull(PartyRules.ValidateCountryCode(code));

    [Theory]
    [InlineData("ABC")]
    [InlineData("A1B")]
    [InlineData("123")]
    public void Accepts_PartyId(string id) => Assert.Null(PartyRules.ValidatePartyId(id));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("AB")]
    [InlineData("ABCD")]
    [InlineData("abc")]
    [InlineData("A_C")]
    [InlineData("A C")]
    [InlineData("ÄBC")]
    public void Rejects_PartyId(string? id) => Assert.NotNull(PartyRules.ValidatePartyId(id));

    [Theory]
    [InlineData("Acme Charging")]
    [InlineData("É-mobilité Sàrl")]
    [InlineData("x")]
    public void Accepts_Name(string name) => Assert.Null(PartyRules.ValidateName(name));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("tab\there")]
    public void Rejects_Name(string? name) => Assert.NotNull(PartyRules.ValidateName(name));

    [Fact]
    public void ValidateName_101Characters_Rejected() => Assert.NotNull(PartyRules.ValidateName(new string('a', 101)));

    [Fact]
    public void ValidateReason_501Characters_Rejected()
    {
        Assert.NotNull(PartyRules.ValidateReason(new string('a', 501)));
        Assert.Null(PartyRules.ValidateReason(null));
    }
}
