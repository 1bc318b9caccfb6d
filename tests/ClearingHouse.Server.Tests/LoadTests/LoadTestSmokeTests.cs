using ClearingHouse.LoadTests.Cli;
using ClearingHouse.Server.Tests.Infrastructure;

namespace ClearingHouse.Server.Tests.LoadTests;

/// <summary>
/// A short run of each load-test scenario against a real hub, asserting that it completes with no
/// error (exit code 0 with --max-error-rate 0). Speed is measured by the tool itself, never here.
/// </summary>
public sealed class LoadTestSmokeTests(EmbeddedHubFixture fixture) : IClassFixture<EmbeddedHubFixture>
{
    [Fact]
    public async Task Calibrate_ShortRun_CompletesWithoutErrors()
    {
        using var output = new TempDirectory();
        var code = await LoadTestCommand.RunAsync(["calibrate", "--rate", "300", "--duration", "2s", "--warmup", "500ms", "--max-error-rate", "0", "--quiet", "--out", output.Path]);

        Assert.Equal(0, code);
        Assert.True(File.Exists(Path.Combine(output.Path, "report.json")));
    }

    [Fact]
    public async Task WhoAmI_ShortRunAgainstHub_CompletesWithoutErrors()
    {
        using var output = new TempDirectory();
        var code = await LoadTestCommand.RunAsync(["whoami", "--hub", fixture.Hub.Address.ToString(), "--credential", fixture.Hub.OperatorSecret,
            "--rate", "300", "--duration", "2s", "--warmup", "500ms", "--max-error-rate", "0", "--quiet", "--out", output.Path]);

        Assert.Equal(0, code);
        Assert.True(File.Exists(Path.Combine(output.Path, "report.md")));
    }

    [Fact]
    public async Task SessionLifecycle_ShortRunAgainstHub_CompletesWithoutErrors()
    {
        using var output = new TempDirectory();
        var code = await LoadTestCommand.RunAsync(["session-lifecycle", "--hub", fixture.Hub.Address.ToString(), "--credential", fixture.Hub.OperatorSecret,
            "--rate", "20", "--duration", "2s", "--warmup", "500ms", "--max-error-rate", "0", "--quiet", "--out", output.Path]);

        Assert.Equal(0, code);
        Assert.True(File.Exists(Path.Combine(output.Path, "report.md")));
    }

    [Fact]
    public async Task AuthorizeBurst_ShortRunAgainstHub_CompletesWithoutErrors()
    {
        // A small token set (the default uploads 200,000) and half the decisions asked of the simulated EMSP.
        // Only this scenario reads these variables.
        Environment.SetEnvironmentVariable("AUTHORIZE_TOKENS", "200");
        Environment.SetEnvironmentVariable("AUTHORIZE_MSP_SHARE", "0.5");
        Environment.SetEnvironmentVariable("AUTHORIZE_UPLOAD_BATCH", "100"); // the fixture's hub takes messages of at most 16 KB
        try
        {
            using var output = new TempDirectory();
            var code = await LoadTestCommand.RunAsync(["authorize-burst", "--hub", fixture.Hub.Address.ToString(), "--credential", fixture.Hub.OperatorSecret,
                "--rate", "100", "--duration", "2s", "--warmup", "500ms", "--max-error-rate", "0", "--quiet", "--out", output.Path]);

            Assert.Equal(0, code);
            Assert.True(File.Exists(Path.Combine(output.Path, "report.md")));
        }
        finally
        {
            Environment.SetEnvironmentVariable("AUTHORIZE_TOKENS", null);
            Environment.SetEnvironmentVariable("AUTHORIZE_MSP_SHARE", null);
            Environment.SetEnvironmentVariable("AUTHORIZE_UPLOAD_BATCH", null);
        }
    }

    [Fact]
    public async Task RoamingDay_ShortRunAgainstHub_CompletesWithoutErrors()
    {
        using var output = new TempDirectory();
        var code = await LoadTestCommand.RunAsync(["roaming-day", "--hub", fixture.Hub.Address.ToString(), "--credential", fixture.Hub.OperatorSecret,
            "--rate", "60", "--duration", "2s", "--warmup", "500ms", "--max-error-rate", "0", "--quiet", "--out", output.Path]);

        Assert.Equal(0, code);
        Assert.True(File.Exists(Path.Combine(output.Path, "report.md")));
    }

    [Fact]
    public async Task WhoAmI_BadCredential_ExitsTwoQuickly()
    {
        using var output = new TempDirectory();
        var code = await LoadTestCommand.RunAsync(["whoami", "--hub", fixture.Hub.Address.ToString(), "--credential", "not-a-credential",
            "--rate", "100", "--duration", "2s", "--quiet", "--out", output.Path]).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, code);
    }
}
