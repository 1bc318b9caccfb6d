using ClearingHouse.LoadTests.Cli;
using ClearingHouse.Server.Tests.Infrastructure;

namespace ClearingHouse.Server.Tests.LoadTests;

/// <summary>
/// A short run of each load-test scenario against a real hub, asserting that it completes with no
/// error (exit code 0 with --max-error-rate 0). Speed is measured by the tool itself, never here. A failure prints
/// the tool's report: errors by status and the first message of each kind.
/// </summary>
public sealed class LoadTestSmokeTests(EmbeddedHubFixture fixture) : IClassFixture<EmbeddedHubFixture>
{
    // Each call's deadline and the time in-flight calls get after the last arrival. The tool's 5 s defaults suit a
    // benchmark; on a CI machine at load 17 a call can take longer, and a deadline or a cancellation is then counted as
    // an error that says nothing about the hub. Zero errors are still required: only how long one may take changes.
    private const string SlowMachineDeadline = "60s";

    [Fact]
    public async Task Calibrate_ShortRun_CompletesWithoutErrors()
    {
        using var output = new TempDirectory();
        var code = await LoadTestCommand.RunAsync(["calibrate", "--rate", "300", "--duration", "2s", "--warmup", "500ms", "--max-error-rate", "0", "--call-timeout", SlowMachineDeadline, "--grace", SlowMachineDeadline, "--quiet", "--out", output.Path]);

        await AssertPassedAsync(code, output.Path);
        Assert.True(File.Exists(Path.Combine(output.Path, "report.json")));
    }

    [Fact]
    public async Task WhoAmI_ShortRunAgainstHub_CompletesWithoutErrors()
    {
        using var output = new TempDirectory();
        var code = await LoadTestCommand.RunAsync(["whoami", "--hub", fixture.Hub.Address.ToString(), "--credential", fixture.Hub.OperatorSecret,
            "--rate", "300", "--duration", "2s", "--warmup", "500ms", "--max-error-rate", "0", "--call-timeout", SlowMachineDeadline, "--grace", SlowMachineDeadline, "--quiet", "--out", output.Path]);

        await AssertPassedAsync(code, output.Path);
        Assert.True(File.Exists(Path.Combine(output.Path, "report.md")));
    }

    [Fact]
    public async Task SessionLifecycle_ShortRunAgainstHub_CompletesWithoutErrors()
    {
        using var output = new TempDirectory();
        var code = await LoadTestCommand.RunAsync(["session-lifecycle", "--hub", fixture.Hub.Address.ToString(), "--credential", fixture.Hub.OperatorSecret,
            "--rate", "20", "--duration", "2s", "--warmup", "500ms", "--max-error-rate", "0", "--call-timeout", SlowMachineDeadline, "--grace", SlowMachineDeadline, "--quiet", "--out", output.Path]);

        await AssertPassedAsync(code, output.Path);
        Assert.True(File.Exists(Path.Combine(output.Path, "report.md")));
    }

    [Fact]
    public async Task StatusStorm_ShortRunAgainstHub_CompletesWithoutErrorsAndDeliversEverything()
    {
        // Defaults: 1 CPO with 1000 locations x 10 EVSEs, 1 subscriber on the same hub.
        using var output = new TempDirectory();
        var code = await LoadTestCommand.RunAsync(["status-storm", "--hub", fixture.Hub.Address.ToString(), "--credential", fixture.Hub.OperatorSecret,
            "--batch", "10", "--rate", "100", "--connections", "2", "--duration", "2s", "--warmup", "500ms", "--max-error-rate", "0", "--call-timeout", SlowMachineDeadline, "--grace", SlowMachineDeadline, "--quiet", "--out", output.Path]);

        await AssertPassedAsync(code, output.Path);
        using var report = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output.Path, "report.json")));
        var figures = report.RootElement.GetProperty("figures");
        Assert.Equal(0, figures.GetProperty("subscriber errors").GetDouble());
        Assert.Equal(0, figures.GetProperty("status streams failed").GetDouble());
        Assert.Equal(0, figures.GetProperty("rejected updates (whole run)").GetDouble());
        Assert.Equal(0, figures.GetProperty("stale updates (whole run)").GetDouble());
        Assert.True(figures.GetProperty("updates sent/s").GetDouble() > 0);
        Assert.Equal(1, figures.GetProperty("min share of sent updates delivered to a subscriber").GetDouble());
    }

    [Fact]
    public async Task CdrFlood_ShortRunAgainstHub_CompletesWithoutErrors()
    {
        // Its own hub: the shared fixture caps request size at 16 KiB, below one batch of CDRs.
        using var data = new TempDirectory();
        await using var hub = await HubHost.StartEmbeddedAsync(data.Path);
        using var output = new TempDirectory();
        var code = await LoadTestCommand.RunAsync(["cdr-flood", "--hub", hub.Address.ToString(), "--credential", hub.OperatorSecret,
            "--rate", "20", "--duration", "2s", "--warmup", "500ms", "--max-error-rate", "0", "--call-timeout", SlowMachineDeadline, "--grace", SlowMachineDeadline, "--quiet", "--out", output.Path]);

        await AssertPassedAsync(code, output.Path);
        Assert.True(File.Exists(Path.Combine(output.Path, "report.json")));
    }

    [Fact]
    public async Task CdrFlood_AtPublishedLocations_CompletesWithoutErrors()
    {
        // CDRs naming 20 published locations: each priced in its location's time zone; any non-ACCEPTED ack is an error.
        Environment.SetEnvironmentVariable("CDR_FLOOD_LOCATIONS", "20");
        try
        {
            using var data = new TempDirectory();
            await using var hub = await HubHost.StartEmbeddedAsync(data.Path);
            using var output = new TempDirectory();
            var code = await LoadTestCommand.RunAsync(["cdr-flood", "--hub", hub.Address.ToString(), "--credential", hub.OperatorSecret,
                "--rate", "20", "--duration", "2s", "--warmup", "500ms", "--max-error-rate", "0", "--call-timeout", SlowMachineDeadline, "--grace", SlowMachineDeadline, "--quiet", "--out", output.Path]);

            await AssertPassedAsync(code, output.Path);
            Assert.True(File.Exists(Path.Combine(output.Path, "report.json")));
        }
        finally
        {
            Environment.SetEnvironmentVariable("CDR_FLOOD_LOCATIONS", null);
        }
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
                "--rate", "100", "--duration", "2s", "--warmup", "500ms", "--max-error-rate", "0", "--call-timeout", SlowMachineDeadline, "--grace", SlowMachineDeadline, "--quiet", "--out", output.Path]);

            await AssertPassedAsync(code, output.Path);
            Assert.True(File.Exists(Path.Combine(output.Path, "report.md")));
            // Issue 17: decisions the hub answered and those the EMSP answered are kept apart, not one histogram.
            var report = await File.ReadAllTextAsync(Path.Combine(output.Path, "report.md"));
            Assert.Contains("hub-answered decisions", report, StringComparison.Ordinal);
            Assert.Contains("EMSP-answered decisions", report, StringComparison.Ordinal);
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
            "--rate", "60", "--duration", "2s", "--warmup", "500ms", "--max-error-rate", "0", "--call-timeout", SlowMachineDeadline, "--grace", SlowMachineDeadline, "--quiet", "--out", output.Path]);

        await AssertPassedAsync(code, output.Path);
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

    // Exit code 0, or a failure that explains itself: the report's errors by status and the first message of each kind
    // (a TRX keeps the assertion message, not the tool's console output).
    internal static async Task AssertPassedAsync(int code, string outputFolder)
    {
        if (code == 0)
        {
            return;
        }

        var report = Path.Combine(outputFolder, "report.md");
        var why = File.Exists(report) ? await File.ReadAllTextAsync(report) : $"no report in {outputFolder}";
        Assert.Fail($"the load tool exited with {code}, not 0.{Environment.NewLine}{why}");
    }
}
