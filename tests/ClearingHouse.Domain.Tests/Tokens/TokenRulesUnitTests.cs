using ClearingHouse.Domain.Tokens;

namespace ClearingHouse.Domain.Tests.Tokens;

public sealed class TokenRulesUnitTests
{
    [Theory]
    [InlineData("A")]
    [InlineData("012345678901234567890123456789012345")]
    [InlineData("DE*XYZ-0001_a~")]
    public void Accepts_Uid(string uid) => Assert.Null(TokenRules.ValidateUid(uid));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0123456789012345678901234567890123456")]
    [InlineData("with space")]
    [InlineData("tab\t")]
    [InlineData("ümlaut")]
    public void Rejects_Uid(string? uid) => Assert.NotNull(TokenRules.ValidateUid(uid));

    [Theory]
    [InlineData("", true)]
    [InlineData("en", true)]
    [InlineData("EN", false)]
    [InlineData("eng", false)]
    [InlineData("e1", false)]
    public void ValidateLanguage_Code_AcceptedWhenIso639Lower(string code, bool ok) => Assert.Equal(ok, TokenRules.ValidateLanguage(code) is null);

    [Theory]
    [InlineData(null, false, true)]
    [InlineData("", true, false)]
    [InlineData("Issuer GmbH", true, true)]
    [InlineData("bad\u0007", true, false)]
    public void ValidateText_Value_Result(string? value, bool required, bool ok) => Assert.Equal(ok, TokenRules.ValidateText(value, required) is null);
}
