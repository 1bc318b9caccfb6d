using ClearingHouse.Contracts.V1;
using ClearingHouse.LoadTests.Cli;
using ClearingHouse.Server.Tests.Infrastructure;

namespace ClearingHouse.Server.Tests.LoadTests;

/// <summary>
/// A short run of each OCPI load-test scenario against a real hub (its OCPI endpoint on a free port, the load tool's own
/// partner platform on another): the credentials handshake, the run with zero errors, and the clean-up (every test
/// party unregistered over OCPI). Speed is measured by the tool itself, never here.
/// </summary>
public sealed class OcpiLoadTestSmokeTests
{
    // As in LoadTestSmokeTests: a slow CI machine may make a call slow, never make it fail.
    private const string SlowMachineDeadline = "60s";

    [Fact]
    public async Task OcpiStatus_ShortRunAgainstHub_CompletesWithoutErrorsAndDeliversEverything()
    {
        // 20 locations x 10 EVSEs: an EVSE is patched again only after 200 arrivals, more than this run sends.
        Environment.SetEnvironmentVariable("OCPI_STATUS_LOCATIONS", "20");
        try
        {
            using var data = new TempDirectory();
            await using var hub = await StartHubAsync(data.Path);
            using var output = new TempDirectory();
            var code = await LoadTestCommand.RunAsync(["ocpi-status", "--hub", hub.Address.ToString(), "--credential", hub.OperatorSecret,
                "--rate", "50", "--connections", "2", "--duration", "2s", "--warmup", "500ms", "--max-error-rate", "0", "--call-timeout", SlowMachineDeadline, "--grace", SlowMachineDeadline, "--quiet", "--out", output.Path]);

            await LoadTestSmokeTests.AssertPassedAsync(code, output.Path);
            using var report = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output.Path, "report.json")));
            var figures = report.RootElement.GetProperty("figures");
            Assert.Equal(0, figures.GetProperty("subscriber errors").GetDouble());
            Assert.True(figures.GetProperty("updates sent/s (answered 1000)").GetDouble() > 0, figures.ToString());
            Assert.Equal(1, figures.GetProperty("min share of sent updates delivered to a subscriber").GetDouble());
            Assert.True(figures.GetProperty("end-to-end delay p99 ms").GetDouble() > 0, figures.ToString());
            await AssertNoPartnerLeftAsync(hub);
        }
        finally
        {
            Environment.SetEnvironmentVariable("OCPI_STATUS_LOCATIONS", null);
        }
    }

    [Fact]
    public async Task OcpiAuthorize_ShortRunAgainstHub_CompletesWithoutErrors()
    {
        Environment.SetEnvironmentVariable("OCPI_AUTHORIZE_TOKENS", "200");
        try
        {
            using var data = new TempDirectory();
            await using var hub = await StartHubAsync(data.Path);
            using var output = new TempDirectory();
            var code = await LoadTestCommand.RunAsync(["ocpi-authorize", "--hub", hub.Address.ToString(), "--credential", hub.OperatorSecret,
                "--rate", "50", "--connections", "2", "--duration", "2s", "--warmup", "500ms", "--max-error-rate", "0", "--call-timeout", SlowMachineDeadline, "--grace", SlowMachineDeadline, "--quiet", "--out", output.Path]);

            await LoadTestSmokeTests.AssertPassedAsync(code, output.Path);
            Assert.True(File.Exists(Path.Combine(output.Path, "report.md")));
            await AssertNoPartnerLeftAsync(hub);
        }
        finally
        {
            Environment.SetEnvironmentVariable("OCPI_AUTHORIZE_TOKENS", null);
        }
    }

    [Fact]
    public async Task OcpiAuthorize_HubRefusesPlainHttpPartners_ExitsTwoSayingWhatToSet()
    {
        using var data = new TempDirectory();
        await using var hub = await HubHost.StartEmbeddedAsync(data.Path);
        using var output = new TempDirectory();
        var code = await LoadTestCommand.RunAsync(["ocpi-authorize", "--hub", hub.Address.ToString(), "--credential", hub.OperatorSecret,
            "--rate", "10", "--duration", "1s", "--quiet", "--out", output.Path]).WaitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(2, code);
    }

    private static Task<HubHost> StartHubAsync(string data) =>
        HubHost.StartEmbeddedAsync(data, settings: new Dictionary<string, string?> { ["Ocpi:AllowInsecurePartnerUrls"] = "true" });

    private static async Task AssertNoPartnerLeftAsync(HubHost hub)
    {
        var channel = hub.Channel(hub.OperatorSecret);
        var partners = await new OcpiAdminService.OcpiAdminServiceClient(channel).ListPartnersAsync(new ListOcpiPartnersRequest(), deadline: DateTime.UtcNow.AddSeconds(30));
        // The hub lists a party with a TOKEN_A outstanding or a registration: after the clean-up (DELETE credentials) none.
        Assert.True(partners.Partners.Count == 0, "left registered after the run: " + string.Join(", ", partners.Partners.Select(p => $"{p.Party.CountryCode}-{p.Party.PartyId} {p.State}")));
    }
}
