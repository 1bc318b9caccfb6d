using System.Text;
using System.Text.RegularExpressions;
using ClearingHouse.Server.Tests.Infrastructure;

namespace ClearingHouse.Server.Tests.Cli;

/// <summary>
/// Every guide under docs/ (and the README's walkthrough) run as written, so a guide cannot drift from the CLI and the
/// hub. Each guide gets a hub started as a user starts it (the server process, Embedded profile, a fresh <c>data</c>
/// folder) and a working folder holding that <c>data</c> folder, <c>docs</c> (the repository's) and <c>scripts/ch</c>
/// (running the CLI built with these tests, instead of building a Release copy); <c>CLEARINGHOUSE_HUB</c> points at the
/// hub. The marked blocks run in order in one bash (see <see cref="GuideScript"/> for the markers: <c>bash guide</c>
/// fences, <c># -&gt; text</c> expected output, <c># -&gt; exit N</c>). A failure prints the step's command, line, exit
/// code and output, the steps before it, and the hub's last log lines.
/// </summary>
public sealed partial class GuideTests
{
    /// <summary>How long one guide may run on a loaded 2-core machine (they take seconds on a quiet one).</summary>
    private static readonly TimeSpan GuideTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The guides with runnable blocks, by path from the repository root.</summary>
    public static TheoryData<string> Guides()
    {
        var data = new TheoryData<string>();
        foreach (var path in GuideFiles().Where(p => GuideScript.Parse(File.ReadAllText(Path.Combine(CliProcess.RepositoryRoot, p))).Steps.Count > 0))
        {
            data.Add(path);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Guides))]
    public async Task Guide_RunAsWritten_EveryStepShowsWhatTheGuideShows(string guide)
    {
        var root = CliProcess.RepositoryRoot;
        var script = GuideScript.Parse(await File.ReadAllTextAsync(Path.Combine(root, guide)));
        using var work = new TempDirectory();
        var settings = HubProcess.Settings.Embedded(Path.Combine(work.Path, "data"));
        settings = settings with { Values = new Dictionary<string, string>(settings.Values.Concat(script.HubSettings)) };
        Directory.CreateDirectory(settings.Values["Hub:DataDirectory"]);
        Directory.CreateSymbolicLink(Path.Combine(work.Path, "docs"), Path.Combine(root, "docs"));
        Directory.CreateDirectory(Path.Combine(work.Path, "scripts"));
        var ch = Path.Combine(work.Path, "scripts", "ch");
        // scripts/ch and scripts/lt run the CLI and the load-test tool built with these tests.
        var lt = Path.Combine(work.Path, "scripts", "lt");
        await File.WriteAllTextAsync(ch, $"#!/usr/bin/env bash\nexec dotnet '{CliProcess.Assembly}' \"$@\"\n");
        await File.WriteAllTextAsync(lt, $"#!/usr/bin/env bash\nexec dotnet '{Path.Combine(AppContext.BaseDirectory, "ClearingHouse.LoadTests.dll")}' \"$@\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(ch, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.SetUnixFileMode(lt, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        await File.WriteAllTextAsync(Path.Combine(work.Path, "guide.sh"), script.ToBash());

        await using var hub = await HubProcess.StartAsync(settings);
        var run = await CliProcess.RunAsync("bash", ["guide.sh"], work.Path, GuideTimeout, new Dictionary<string, string>
        {
            ["CLEARINGHOUSE_HUB"] = hub.Address.ToString(),
            ["CLEARINGHOUSE_OCPI"] = $"http://127.0.0.1:{settings.Values["Ocpi:Port"]}",
        });

        var outputs = GuideScript.SplitOutput(run.Output);
        foreach (var step in script.Steps)
        {
            var (output, exit) = outputs.GetValueOrDefault(step.Number, ("(not run)", null));
            var problem = exit is null ? "did not finish"
                : exit != step.ExpectedExit ? $"exit code {exit}, the guide says {step.ExpectedExit}"
                : GuideScript.Missing(step.Expected, output) is { } missing ? $"output lacks '{missing}'"
                : null;
            Assert.True(problem is null, Report(guide, script, step, problem!, outputs, run, hub));
        }
    }

    [Fact]
    public void Guides_EveryCliExample_IsInABlockThatRuns()
    {
        var unrun = new List<string>();
        foreach (var path in GuideFiles())
        {
            var lines = File.ReadAllLines(Path.Combine(CliProcess.RepositoryRoot, path));
            var fence = (string?)null;
            for (var i = 0; i < lines.Length; i++)
            {
                if (lines[i].StartsWith("```", StringComparison.Ordinal))
                {
                    fence = fence is null ? lines[i][3..] : null;
                }
                else if (fence is not null && !GuideScript.IsGuideFence(fence) && !fence.Contains("no-run", StringComparison.Ordinal) && CliCall().IsMatch(lines[i]))
                {
                    unrun.Add($"{path}:{i + 1}: {lines[i].Trim()}");
                }
            }
        }

        Assert.True(unrun.Count == 0, "CLI calls in blocks that are not run (mark the block ```bash guide to run it, or ```bash no-run when it cannot run against a fresh Embedded hub):" + Environment.NewLine + string.Join(Environment.NewLine, unrun));
    }

    [Fact]
    public void GuideScript_StepsAndExpectations_Parsed()
    {
        var script = GuideScript.Parse("""
            text
            ```bash
            not run
            ```
            <!-- guide-hub: --Sessions:StuckAfter 00:00:05 -->
            ```bash guide
            # a comment
            A=1 \
              B=2
            # -> first
            # ->  second   line
            false
            # -> exit 1
            cat <<'EOF'
            # not a comment
            EOF
            ```
            """);

        Assert.Equal(["A=1 \\\n  B=2", "false", "cat <<'EOF'\n# not a comment\nEOF"], script.Steps.Select(s => s.Command));
        Assert.Equal(["first", "second   line"], script.Steps[0].Expected);
        Assert.Equal([0, 1, 0], script.Steps.Select(s => s.ExpectedExit));
        Assert.Equal("00:00:05", script.HubSettings["Sessions:StuckAfter"]);
        Assert.Null(GuideScript.Missing(["a  b", "c"], "x a b y\nc"));
        Assert.Equal("a b", GuideScript.Missing(["c", "a b"], "a b\nc"));
    }

    private static IEnumerable<string> GuideFiles() =>
        Directory.GetFiles(Path.Combine(CliProcess.RepositoryRoot, "docs"), "*.md")
            .Select(p => Path.GetRelativePath(CliProcess.RepositoryRoot, p))
            .Append("README.md")
            .Order(StringComparer.Ordinal);

    private static string Report(string guide, GuideScript script, GuideScript.Step step, string problem, Dictionary<int, (string Output, int? Exit)> outputs, CliProcess.Result run, HubProcess hub)
    {
        var text = new StringBuilder();
        text.AppendLine($"{guide} step {step.Number} (line {step.Line}): {problem}");
        text.AppendLine($"$ {step.Command}");
        text.AppendLine($"exit code {outputs.GetValueOrDefault(step.Number).Exit?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}; output:");
        text.AppendLine(outputs.GetValueOrDefault(step.Number).Output);
        text.AppendLine($"expected (in order): {string.Join(" | ", step.Expected)}");
        text.AppendLine("--- steps before it ---");
        foreach (var before in script.Steps.Where(s => s.Number < step.Number).TakeLast(8))
        {
            text.AppendLine($"$ {before.Command}  [exit {outputs.GetValueOrDefault(before.Number).Exit}]");
            text.AppendLine(outputs.GetValueOrDefault(before.Number).Output);
        }

        text.AppendLine($"--- bash stderr ---{Environment.NewLine}{run.Error}");
        text.AppendLine($"--- hub (last lines) ---{Environment.NewLine}{hub.RecentOutput}");
        return text.ToString();
    }

    // A line that calls the CLI: `scripts/ch ...`, `ch ...`, `$ ch ...`, `clearinghouse ...` (one space before its
    // first argument; a file listing that names scripts/ch aligns a description after several).
    [GeneratedRegex(@"^\s*(\$\s+)?(scripts/ch|ch|clearinghouse) \S")]
    private static partial Regex CliCall();
}
