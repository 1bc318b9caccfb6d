using ClearingHouse.Domain.Settlement;

namespace ClearingHouse.Domain.Tests.Settlement;

/// <summary>Money where people read it: the currency's ISO 4217 minor unit, halves away from zero, fixed decimals.</summary>
public sealed class MoneyDisplayUnitTests
{
    [Theory]
    [InlineData("27.455", "EUR", "27.46")]
    [InlineData("33.2206", "EUR", "33.22")]
    [InlineData("4.5", "EUR", "4.50")]
    [InlineData("-0.005", "EUR", "-0.01")]
    [InlineData("0.004999", "EUR", "0.00")]
    [InlineData("1234.5", "JPY", "1235")]
    [InlineData("1.0005", "KWD", "1.001")]
    [InlineData("12", "USD", "12.00")]
    public void Format_Amount_AtTheMinorUnitHalvesAwayFromZero(string exact, string currency, string shown) =>
        Assert.Equal(shown, MoneyDisplay.Format(exact, currency));

    [Fact]
    public void Format_NotANumber_KeptAsItIs() => Assert.Equal("", MoneyDisplay.Format("", "EUR"));

    [Fact]
    public void Round_Midpoint_AwayFromZeroNotToEven() => Assert.Equal(2.68m, MoneyDisplay.Round(2.675m, "EUR"));
}
