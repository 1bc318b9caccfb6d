using System.Globalization;

namespace ClearingHouse.Domain.Settlement;

/// <summary>
/// Money where people read it (the CLI's statement output, the HTML statement): rounded to the currency's ISO 4217 minor
/// unit (<see cref="StatementTotals.MinorUnits"/>: 2 decimals for EUR, 0 for JPY, 3 for KWD) with
/// <see cref="MidpointRounding.AwayFromZero"/> (27.455 EUR reads 27.46, -0.005 reads -0.01, as on an invoice), and
/// written with exactly that many decimals. Each figure is rounded on its own: a rounded total is the rounding of the
/// exact total, not the sum of rounded parts. The wire (gRPC), the CSV export and the statement hash keep the exact values.
/// </summary>
public static class MoneyDisplay
{
    /// <summary><paramref name="amount"/> rounded to <paramref name="currency"/>'s minor unit, midpoints away from zero.</summary>
    public static decimal Round(decimal amount, string currency) =>
        Math.Round(amount, StatementTotals.MinorUnits(currency), MidpointRounding.AwayFromZero);

    /// <summary><paramref name="amount"/> rounded to <paramref name="currency"/>'s minor unit and written with that many decimals (invariant culture).</summary>
    public static string Format(decimal amount, string currency) =>
        Round(amount, currency).ToString("F" + StatementTotals.MinorUnits(currency).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>A decimal string (as the wire carries money) formatted as <see cref="Format(decimal, string)"/>; empty or unparsable text as it is.</summary>
    public static string Format(string amount, string currency) =>
        decimal.TryParse(amount, NumberStyles.Number, CultureInfo.InvariantCulture, out var value) ? Format(value, currency) : amount;
}
