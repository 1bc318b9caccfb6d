using ClearingHouse.Server.Tests.Infrastructure;

namespace ClearingHouse.Server.Tests.Cli;

/// <summary><c>scripts/ch</c>: the CLI built once (Release) and then started directly, rebuilt only when stale.</summary>
public sealed class ScriptsChTests
{
    // A Release build of the CLI, Contracts and Domain on a loaded 2-core machine.
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(15);

    [Fact]
    public async Task Ch_FirstCallBuildsLaterCallsReuseAStaleStampRebuilds_SameCli()
    {
        using var output = new TempDirectory();
        var env = new Dictionary<string, string> { ["CLEARINGHOUSE_CLI_DIR"] = output.Path };
        var ch = Path.Combine(CliProcess.RepositoryRoot, "scripts", "ch");

        var first = await CliProcess.RunAsync(ch, ["--version"], output.Path, BuildTimeout, env);
        var second = await CliProcess.RunAsync(ch, ["--version"], output.Path, BuildTimeout, env);
        File.SetLastWriteTimeUtc(Path.Combine(output.Path, ".built"), new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var stale = await CliProcess.RunAsync(ch, ["--version"], output.Path, BuildTimeout, env);
        var usage = await CliProcess.RunAsync(ch, ["parties", "registr"], output.Path, BuildTimeout, env);

        Assert.True(first.Code == 0, first.ToString());
        Assert.Contains("building the CLI", first.Error, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(output.Path, "clearinghouse.dll")), first.ToString());
        Assert.True(second.Code == 0 && second.Error.Length == 0, "the second call must not build: " + second);
        Assert.Equal(first.Output, second.Output);
        Assert.True(stale.Code == 0, stale.ToString());
        Assert.Contains("building the CLI", stale.Error, StringComparison.Ordinal);
        Assert.True(usage.Code == 2, "the CLI's own exit code comes through: " + usage);
    }
}
