using System.Text;
using System.Text.RegularExpressions;

namespace ClearingHouse.Server.Tests.Cli;

/// <summary>
/// The runnable part of a guide (a Markdown file under docs/): the fenced blocks whose info string is
/// <c>bash guide</c>, cut into steps. A step is one command line (with its <c>\</c> continuation lines, or a here-document
/// up to its delimiter) and the <c># -&gt; </c> lines right after it: each is text one line of the step's output must
/// contain (runs of spaces count as one), in the order given; <c># -&gt; exit N</c> says the step must exit with N
/// (default 0). Other comment lines are for the reader. Blocks without the <c>guide</c> word are never run (results
/// tables, load-test commands). <c>&lt;!-- guide-hub: --Key value ... --&gt;</c> anywhere in the file adds settings to
/// the hub the guide runs against.
/// </summary>
public sealed partial class GuideScript
{
    /// <summary>One command and what it must show.</summary>
    public sealed record Step(int Number, int Line, string Command, int ExpectedExit, IReadOnlyList<string> Expected);

    /// <summary>The steps in file order.</summary>
    public IReadOnlyList<Step> Steps { get; }

    /// <summary>Hub settings the guide asks for.</summary>
    public IReadOnlyDictionary<string, string> HubSettings { get; }

    private GuideScript(IReadOnlyList<Step> steps, IReadOnlyDictionary<string, string> hubSettings)
    {
        Steps = steps;
        HubSettings = hubSettings;
    }

    /// <summary>Whether a fence's info string marks a block to run.</summary>
    public static bool IsGuideFence(string info) => GuideFence().IsMatch(info);

    /// <summary>Reads the runnable steps of <paramref name="markdown"/>.</summary>
    public static GuideScript Parse(string markdown)
    {
        var lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var steps = new List<Step>();
        var settings = new Dictionary<string, string>();
        foreach (Match m in HubSettingsComment().Matches(markdown))
        {
            var words = m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            for (var i = 0; i + 1 < words.Length; i += 2)
            {
                settings[words[i].TrimStart('-')] = words[i + 1];
            }
        }

        var inGuide = false;
        var inFence = false;
        (int Line, StringBuilder Text, int Exit, List<string> Expected)? step = null;
        void Close()
        {
            if (step is { } s)
            {
                steps.Add(new Step(steps.Count + 1, s.Line, s.Text.ToString().TrimEnd('\n'), s.Exit, s.Expected));
            }

            step = null;
        }

        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                if (inFence)
                {
                    Close();
                    inFence = inGuide = false;
                }
                else
                {
                    inFence = true;
                    inGuide = IsGuideFence(line[3..]);
                }

                continue;
            }

            if (!inGuide)
            {
                continue;
            }

            var trimmed = line.Trim();
            if (trimmed.StartsWith("# ->", StringComparison.Ordinal))
            {
                if (step is null)
                {
                    throw new FormatException($"line {i + 1}: '# ->' with no command before it");
                }

                var expected = trimmed[4..].Trim();
                if (ExitExpectation().Match(expected) is { Success: true } exit)
                {
                    step = step.Value with { Exit = int.Parse(exit.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) };
                }
                else
                {
                    step.Value.Expected.Add(expected);
                }

                continue;
            }

            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
            {
                continue;
            }

            Close();
            var text = new StringBuilder(line).Append('\n');
            var start = i;
            if (HereDocument().Match(line) is { Success: true } here)
            {
                while (++i < lines.Length && lines[i] != here.Groups[1].Value)
                {
                    text.Append(lines[i]).Append('\n');
                }

                text.Append(here.Groups[1].Value).Append('\n');
            }
            else
            {
                while (lines[i].TrimEnd().EndsWith('\\') && i + 1 < lines.Length)
                {
                    text.Append(lines[++i]).Append('\n');
                }
            }

            step = (start + 1, text, 0, []);
        }

        return new GuideScript(steps, settings);
    }

    /// <summary>
    /// The bash script that runs every step in one shell (variables and background jobs carry over, as in a terminal),
    /// each step's stdout and stderr together between markers, stopping at the first step with an unexpected exit code.
    /// Background jobs still running at the end are stopped.
    /// </summary>
    public string ToBash()
    {
        var script = new StringBuilder();
        script.Append("trap 'kill $(jobs -p) 2>/dev/null' EXIT\n");
        foreach (var step in Steps)
        {
            script.Append(System.Globalization.CultureInfo.InvariantCulture, $"printf '\\n{StepMarker}{step.Number}\\n'\n");
            script.Append("{\n").Append(step.Command).Append("\n} 2>&1\n");
            script.Append(System.Globalization.CultureInfo.InvariantCulture, $"__rc=$?; printf '\\n{ExitMarker}{step.Number} %d\\n' $__rc\n");
            script.Append(System.Globalization.CultureInfo.InvariantCulture, $"[ $__rc -eq {step.ExpectedExit} ] || exit 100\n");
        }

        return script.ToString();
    }

    /// <summary>Splits the script's output into each step's output and exit code (null: the step did not finish).</summary>
    public static Dictionary<int, (string Output, int? Exit)> SplitOutput(string output)
    {
        var result = new Dictionary<int, (string Output, int? Exit)>();
        int? current = null;
        var text = new StringBuilder();
        foreach (var line in output.Split('\n'))
        {
            if (line.StartsWith(StepMarker, StringComparison.Ordinal))
            {
                current = int.Parse(line[StepMarker.Length..], System.Globalization.CultureInfo.InvariantCulture);
                text.Clear();
                result[current.Value] = ("", null);
            }
            else if (line.StartsWith(ExitMarker, StringComparison.Ordinal) && current is { } n)
            {
                var code = int.Parse(line[ExitMarker.Length..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
                result[n] = (text.ToString().Trim('\n'), code);
                current = null;
            }
            else if (current is { } open)
            {
                text.Append(line).Append('\n');
                result[open] = (text.ToString().Trim('\n'), null);
            }
        }

        return result;
    }

    /// <summary>The first expected text <paramref name="output"/> lacks (in order), or null when all are there.</summary>
    public static string? Missing(IReadOnlyList<string> expected, string output)
    {
        var lines = output.Split('\n').Select(Squeeze).ToList();
        var from = 0;
        foreach (var want in expected.Select(Squeeze))
        {
            var at = lines.FindIndex(from, l => l.Contains(want, StringComparison.Ordinal));
            if (at < 0)
            {
                return want;
            }

            from = at + 1;
        }

        return null;
    }

    private const string StepMarker = "@@guide-step ";
    private const string ExitMarker = "@@guide-exit ";

    private static string Squeeze(string text) => Spaces().Replace(text.Trim(), " ");

    [GeneratedRegex(@"^\s*(bash|sh)\s+guide\b")]
    private static partial Regex GuideFence();

    [GeneratedRegex(@"^exit (\d+)$")]
    private static partial Regex ExitExpectation();

    [GeneratedRegex(@"<<-?\s*'?(\w+)'?\s*$")]
    private static partial Regex HereDocument();

    [GeneratedRegex(@"<!--\s*guide-hub:(.*?)-->")]
    private static partial Regex HubSettingsComment();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
