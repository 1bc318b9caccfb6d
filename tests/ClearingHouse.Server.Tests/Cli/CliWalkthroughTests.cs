using System.Text.Json;
using ClearingHouse.Cli;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;

namespace ClearingHouse.Server.Tests.Cli;

/// <summary>The README's walkthrough, run with the real CLI against a real hub.</summary>
public sealed class CliWalkthroughTests(EmbeddedHubFixture fixture) : IClassFixture<EmbeddedHubFixture>
{
    [Fact]
    public async Task Walkthrough_RegisterIssueAgree_AllowedAndDeniedCalls()
    {
        var op = new[] { "--hub", fixture.Hub.Address.ToString(), "--credential", fixture.Hub.OperatorSecret };

        var (code, output, _) = await Run([.. op, "parties", "register", "NL-WLK-CPO", "--name", "Walk Charging"]);
        Assert.Equal(0, code);
        Assert.Contains("NL-WLK-CPO", output, StringComparison.Ordinal);
        Assert.Equal(0, (await Run([.. op, "parties", "register", "DE-WLK-EMSP", "--name", "Walk Mobility"])).Code);

        (code, output, _) = await Run([.. op, "credentials", "issue", "NL-WLK-CPO", "--json"]);
        Assert.Equal(0, code);
        var secret = JsonDocument.Parse(output).RootElement.GetProperty("secret").GetString()!;

        (code, output, _) = await Run([.. op, "agreements", "set", "--cpo", "NL-WLK-CPO", "--emsp", "DE-WLK-EMSP"]);
        Assert.Equal(0, code);
        Assert.Contains("ACTIVE", output, StringComparison.Ordinal);

        var cpo = new[] { "--hub", fixture.Hub.Address.ToString(), "--credential", secret };
        (code, output, _) = await Run([.. cpo, "whoami"]);
        Assert.Equal(0, code);
        Assert.Contains("NL-WLK-CPO", output, StringComparison.Ordinal);

        (code, output, _) = await Run([.. cpo, "agreements", "list"]);
        Assert.Equal(0, code);
        Assert.Contains("DE-WLK-EMSP", output, StringComparison.Ordinal);

        var (deniedCode, _, error) = await Run([.. cpo, "parties", "list"]);
        Assert.Equal(1, deniedCode);
        Assert.Contains("PermissionDenied", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_NoCredential_Serving()
    {
        var (code, output, _) = await Run(["--hub", fixture.Hub.Address.ToString(), "health"]);
        Assert.Equal(0, code);
        Assert.Contains("SERVING", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_BadParty_UsageErrorExit2()
    {
        var (code, _, error) = await Run(["--hub", fixture.Hub.Address.ToString(), "--credential", fixture.Hub.OperatorSecret, "parties", "register", "nl-x-CPO", "--name", "x"]);
        Assert.Equal(2, code);
        Assert.Contains("COUNTRY-PARTY-ROLE", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnyCommand_HubDown_Exit3WithMessage()
    {
        var (code, _, error) = await Run(["--hub", "http://127.0.0.1:1", "--credential", fixture.Hub.OperatorSecret, "whoami"]);
        Assert.Equal(3, code);
        Assert.Contains("cannot reach the hub", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpsResendAndFindings_StoredAndUnknownIds_ResentOrNotFound()
    {
        var roaming = await Roaming.SetUpAsync(fixture.Hub);
        await new TariffService.TariffServiceClient(roaming.CpoChannel(fixture.Hub)).PutTariffAsync(new PutTariffRequest { OcpiJson = Roaming.MinPriceTariff });
        await new CdrService.CdrServiceClient(roaming.CpoChannel(fixture.Hub)).SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { roaming.Cdr("CLI-1") } });
        var op = new[] { "--hub", fixture.Hub.Address.ToString(), "--credential", fixture.Hub.OperatorSecret, "ops" };
        var shortCpo = $"{roaming.Cpo.CountryCode}-{roaming.Cpo.PartyId}";

        var resent = await Run([.. op, "resend", "cdr", "--cpo", shortCpo, "--id", "CLI-1"]);
        var unknownCdr = await Run([.. op, "resend", "cdr", "--cpo", shortCpo + "-CPO", "--id", "NOPE"]);
        var unknownSession = await Run([.. op, "resend", "session", "--cpo", shortCpo, "--id", "NOPE"]);
        var badCpo = await Run([.. op, "resend", "session", "--cpo", "nonsense", "--id", "X"]);
        var findings = await Run([.. op, "findings", "--since", "2022-01-01T00:00:00Z"]);

        Assert.Equal(0, resent.Code);
        Assert.Contains("requeued CDR CLI-1", resent.Output, StringComparison.Ordinal);
        Assert.Equal((1, 1), (unknownCdr.Code, unknownSession.Code));
        Assert.Contains("NotFound", unknownCdr.Error, StringComparison.Ordinal);
        Assert.Contains("there is no session 'NOPE'", unknownSession.Error, StringComparison.Ordinal);
        Assert.Equal(2, badCpo.Code);
        Assert.Equal(0, findings.Code);
        Assert.Contains($"{shortCpo}-CPO/CLI-1 (session none given)", findings.Output, StringComparison.Ordinal);
        Assert.Contains("EVSE_STATUS_STALE", findings.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CdrsWatch_StoredCdrFromBeginning_PrintedAsTextAndJsonDeniedToTheCpo()
    {
        var roaming = await Roaming.SetUpAsync(fixture.Hub);
        await new TariffService.TariffServiceClient(roaming.CpoChannel(fixture.Hub)).PutTariffAsync(new PutTariffRequest { OcpiJson = Roaming.MinPriceTariff });
        await new CdrService.CdrServiceClient(roaming.CpoChannel(fixture.Hub)).SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { roaming.Cdr("WATCH-1") } });
        var emsp = new[] { "--hub", fixture.Hub.Address.ToString(), "--credential", roaming.EmspSecret };

        var text = await Run([.. emsp, "cdrs", "watch", "--from-beginning", "--max-cdrs", "1"]).WaitAsync(TimeSpan.FromSeconds(60));
        var json = await Run([.. emsp, "--json", "cdrs", "watch", "--from-beginning", "--max-cdrs", "1"]).WaitAsync(TimeSpan.FromSeconds(60));
        var denied = await Run(["--hub", fixture.Hub.Address.ToString(), "--credential", roaming.CpoSecret, "cdrs", "watch", "--max-cdrs", "1"]).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, text.Code);
        Assert.Contains("subscribed; cursor ", text.Output, StringComparison.Ordinal);
        Assert.Contains(" WATCH-1 end ", text.Output, StringComparison.Ordinal);
        Assert.Equal(0, json.Code);
        var messages = json.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Contains(messages, m => m.TryGetProperty("events", out var events) && events[0].GetProperty("cdr").GetProperty("id").GetString() == "WATCH-1");
        Assert.Equal(1, denied.Code);
        Assert.Contains("PermissionDenied", denied.Error, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output, string Error)> Run(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await new CliApp(output, error).RunAsync(args);
        return (code, output.ToString(), error.ToString());
    }
}
