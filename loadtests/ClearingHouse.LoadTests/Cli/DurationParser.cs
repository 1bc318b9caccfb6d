using System.Globalization;

namespace ClearingHouse.LoadTests.Cli;

/// <summary>Parses durations such as "30s", "500ms", "2m", "1h", "1m30s", a bare number of seconds or "00:00:30".</summary>
public static class DurationParser
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var bareSeconds))
        {
            return TryFromSeconds(bareSeconds, out value);
        }

        if (text.Contains(':', StringComparison.Ordinal))
        {
            return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value) && value >= TimeSpan.Zero;
        }

        var total = 0.0;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }

            if (start == i || !double.TryParse(text.AsSpan(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            var unitStart = i;
            while (i < text.Length && char.IsLetter(text[i]))
            {
                i++;
            }

            double? factor = text[unitStart..i].ToLowerInvariant() switch
            {
                "ms" => 0.001,
                "s" => 1,
                "m" => 60,
                "h" => 3600,
                _ => null,
            };
            if (factor is null)
            {
                return false;
            }

            total += number * factor.Value;
        }

        return TryFromSeconds(total, out value);
    }

    public static string Format(TimeSpan value) =>
        value.TotalSeconds >= 1 && value.Milliseconds == 0
            ? value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s"
            : value.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + "ms";

    private static bool TryFromSeconds(double seconds, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (double.IsNaN(seconds) || seconds < 0 || seconds > TimeSpan.FromDays(1).TotalSeconds)
        {
            return false;
        }

        value = TimeSpan.FromSeconds(seconds);
        return true;
    }
}
