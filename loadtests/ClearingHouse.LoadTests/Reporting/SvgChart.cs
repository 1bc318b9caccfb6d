using System.Globalization;
using System.Net;
using System.Text;

namespace ClearingHouse.LoadTests.Reporting;

/// <summary>A line chart as inline SVG: no package, no script, opens in any browser.</summary>
public static class SvgChart
{
    private const double Width = 960;
    private const double Height = 300;
    private const double Left = 70;
    private const double Right = 130;
    private const double Top = 30;
    private const double Bottom = 40;

    public sealed record Series(string Name, string Color, IReadOnlyList<(double X, double? Y)> Points);

    public static string Render(string title, string unit, double shadeUntilX, IReadOnlyList<Series> series, bool logY = false)
    {
        var points = series.SelectMany(s => s.Points).Where(p => p.Y is not null).ToList();
        var svg = new StringBuilder();
        svg.Append(I($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" font-size=\"11\">"));
        svg.Append(I($"<text x=\"{Left}\" y=\"18\" font-size=\"14\" font-weight=\"bold\">{WebUtility.HtmlEncode(title)}</text>"));
        if (points.Count == 0)
        {
            svg.Append(I($"<text x=\"{Left}\" y=\"{Height / 2}\">no data</text></svg>"));
            return svg.ToString();
        }

        var maxX = Math.Ceiling(Math.Max(1, points.Max(p => p.X)));
        var maxY = NiceCeiling(points.Max(p => p.Y!.Value));
        var plotW = Width - Left - Right;
        var plotH = Height - Top - Bottom;

        // Latency spans orders of magnitude (p50 vs max): a log scale keeps every line readable.
        var positive = points.Select(p => p.Y!.Value).Where(v => v > 0).DefaultIfEmpty(1).ToList();
        var logMin = Math.Floor(Math.Log10(positive.Min()));
        var logMax = Math.Max(logMin + 1, Math.Ceiling(Math.Log10(positive.Max())));
        double X(double x) => Left + (x / maxX * plotW);
        double Y(double y) => logY
            ? Top + plotH - ((Math.Log10(Math.Max(y, Math.Pow(10, logMin))) - logMin) / (logMax - logMin) * plotH)
            : Top + plotH - (y / maxY * plotH);

        if (shadeUntilX > 0)
        {
            svg.Append(I($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{X(Math.Min(shadeUntilX, maxX)) - Left:0.#}\" height=\"{plotH}\" fill=\"#eeeeee\"/>"));
            svg.Append(I($"<text x=\"{Left + 4}\" y=\"{Top + 12}\" fill=\"#888\">warm-up</text>"));
        }

        var yTicks = logY
            ? Enumerable.Range(0, (int)(logMax - logMin) + 1).Select(k => Math.Pow(10, logMin + k))
            : Enumerable.Range(0, 6).Select(k => maxY * k / 5);
        foreach (var value in yTicks)
        {
            svg.Append(I($"<line x1=\"{Left}\" x2=\"{Left + plotW}\" y1=\"{Y(value):0.#}\" y2=\"{Y(value):0.#}\" stroke=\"#e5e5e5\"/>"));
            svg.Append(I($"<text x=\"{Left - 6}\" y=\"{Y(value) + 4:0.#}\" text-anchor=\"end\">{Format(value)}</text>"));
        }

        for (var i = 0; i <= 5; i++)
        {
            var t = maxX * i / 5;
            svg.Append(I($"<text x=\"{X(t):0.#}\" y=\"{Top + plotH + 16}\" text-anchor=\"middle\">{t:0.#}s</text>"));
        }

        svg.Append(I($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotW}\" height=\"{plotH}\" fill=\"none\" stroke=\"#999\"/>"));
        svg.Append(I($"<text x=\"14\" y=\"{Top + (plotH / 2)}\" transform=\"rotate(-90 14 {Top + (plotH / 2)})\" text-anchor=\"middle\">{WebUtility.HtmlEncode(logY ? unit + " (log)" : unit)}</text>"));

        var legendY = Top + 10;
        foreach (var s in series)
        {
            // A missing value (no successful call in that second) breaks the line rather than drawing 0.
            var segment = new List<string>();
            void Flush()
            {
                if (segment.Count > 0)
                {
                    svg.Append(I($"<polyline fill=\"none\" stroke=\"{s.Color}\" stroke-width=\"1.6\" points=\"{string.Join(' ', segment)}\"/>"));
                    segment.Clear();
                }
            }

            foreach (var (x, y) in s.Points)
            {
                if (y is null)
                {
                    Flush();
                    continue;
                }

                segment.Add(I($"{X(x):0.#},{Y(y.Value):0.#}"));
            }

            Flush();
            svg.Append(I($"<line x1=\"{Left + plotW + 10}\" x2=\"{Left + plotW + 30}\" y1=\"{legendY}\" y2=\"{legendY}\" stroke=\"{s.Color}\" stroke-width=\"3\"/>"));
            svg.Append(I($"<text x=\"{Left + plotW + 35}\" y=\"{legendY + 4}\">{WebUtility.HtmlEncode(s.Name)}</text>"));
            legendY += 16;
        }

        svg.Append("</svg>");
        return svg.ToString();
    }

    private static double NiceCeiling(double value)
    {
        if (value <= 0)
        {
            return 1;
        }

        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1, 2, 2.5, 5, 10 })
        {
            if (value <= step * magnitude)
            {
                return step * magnitude;
            }
        }

        return 10 * magnitude;
    }

    private static string Format(double value) =>
        value >= 10_000 ? (value / 1000).ToString("0.#", CultureInfo.InvariantCulture) + "k" : value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string I(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
