namespace ClearingHouse.Server.Tests.Cli;

/// <summary>
/// The exit codes the README promises (0 success, 1 the hub refused the call, 2 bad usage, 3 the hub cannot be
/// reached), checked on the built CLI as a process against a hub process.
/// </summary>
public sealed class CliExitCodeTests(CliHubFixture hub) : IClassFixture<CliHubFixture>
{
    [Theory]
    [InlineData("Unrecognized command or argument 'registr'", "parties", "registr")]
    [InlineData("Option '--name' is required", "parties", "register", "NL-NEW-CPO")]
    [InlineData("Cannot parse argument 'abc' for option '--kwh'", "sessions", "put", "--id", "S-1", "--emsp", "DE-XYZ-EMSP", "--uid", "U1", "--kwh", "abc")]
    [InlineData("--credential is empty", "--credential", "", "whoami")]
    public async Task Run_BadUsage_Exit2WithTheProblemAndNoHelpText(string message, params string[] args)
    {
        var result = await hub.Run(args);

        Assert.True(result.Code == 2, result.ToString());
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Usage:", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_HttpsAgainstThePlainHttp2Hub_Exit3SayingUseHttp()
    {
        var result = await CliProcess.RunAsync(hub.WorkingDirectory, "--hub", $"https://127.0.0.1:{hub.Hub.Address.Port}", "whoami");

        Assert.True(result.Code == 3, result.ToString());
        Assert.Contains("cannot reach the hub", result.Error, StringComparison.Ordinal);
        Assert.Contains("use http://", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Internal", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_TheMetricsPort_Exit3SayingItIsNotGrpc()
    {
        var result = await CliProcess.RunAsync(hub.WorkingDirectory, "--hub", $"http://127.0.0.1:{hub.MetricsPort}", "health");

        Assert.True(result.Code == 3, result.ToString());
        Assert.Contains("does not speak gRPC", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Internal", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_RefusedByTheHub_Exit1()
    {
        var result = await hub.AsCpo("parties", "list");

        Assert.True(result.Code == 1, result.ToString());
        Assert.Contains("PermissionDenied", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CdrsSubmit_EveryCdrRejected_Exit1()
    {
        var file = hub.File("all-rejected.json", "[" + Cdr("EXIT-R1", broken: true) + "," + Cdr("EXIT-R2", broken: true) + "]");

        var result = await hub.AsCpo("cdrs", "submit", file);

        Assert.True(result.Code == 1, result.ToString());
        Assert.Contains("2 rejected", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CdrsSubmit_SomeRejected_Exit1AndTheOthersStored()
    {
        var file = hub.File("some-rejected.json", "[" + Cdr("EXIT-P1", broken: false) + "," + Cdr("EXIT-P2", broken: true) + "]");

        var result = await hub.AsCpo("cdrs", "submit", file);
        var again = await hub.AsCpo("cdrs", "submit", file);
        var stored = await hub.AsCpo("cdrs", "get", "EXIT-P1");

        Assert.True(result.Code == 1, result.ToString());
        Assert.Contains("1 accepted, 1 rejected", result.Output, StringComparison.Ordinal);
        Assert.True(again.Code == 1, again.ToString());
        Assert.Contains("1 duplicate, 1 rejected", again.Output, StringComparison.Ordinal);
        Assert.True(stored.Code == 0, stored.ToString());
    }

    [Fact]
    public async Task StatusSend_RejectedUpdate_Exit1WithTheRejection()
    {
        var file = hub.File("rejected-status.txt", "EXIT-NO-LOC E1 AVAILABLE\n");

        var result = await hub.AsCpo("status", "send", "--file", file);

        Assert.True(result.Code == 1, result.ToString());
        Assert.Matches(@"rejected\s+1\n", result.Output);
        Assert.Contains("(EXIT-NO-LOC/E1): UnknownLocation", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CdrsSubmit_AllAcceptedOrDuplicate_Exit0()
    {
        var file = hub.File("accepted.json", Cdr("EXIT-A1", broken: false));

        var first = await hub.AsCpo("cdrs", "submit", file);
        var second = await hub.AsCpo("cdrs", "submit", file);

        Assert.True(first.Code == 0, first.ToString());
        Assert.True(second.Code == 0, second.ToString());
        Assert.Contains("1 duplicate", second.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"id\": \"LOC1\", \"evses\": [", "'broken.json' is not a Location in protobuf JSON")]
    [InlineData("{\"id\": \"LOC1\", \"evsez\": []}", "Unknown field: evsez")]
    [InlineData("{\"id\": \"LOC1\", \"lastUpdated\": \"yesterday\"}", "'broken.json' is not a Location")]
    [InlineData("[1, 2]", "'broken.json' is not a Location")]
    public async Task LocationsPut_BrokenFile_Exit2NamingTheFileAndNoStackTrace(string content, string message)
    {
        var result = await hub.AsCpo("locations", "put", hub.File("broken.json", content));

        Assert.True(result.Code == 2, result.ToString());
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LocationsPut_MissingFile_Exit2()
    {
        var result = await hub.AsCpo("locations", "put", "no-such-file.json");

        Assert.True(result.Code == 2, result.ToString());
        Assert.Contains("no-such-file.json", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("badtok.json", "[{\"uid\": \"EXIT-T1\", \"contract_id\": \"C1\", \"issuer\": \"I\"}, {\"uid\": \"EXIT-T2\", \"type\": \"FOO\"}]", "'badtok.json' token [1]: field type: token type 'FOO'")]
    [InlineData("badtok.json", "[{\"uid\": \"EXIT-T1\", \"contract_id\": \"C1\", \"issuer\": \"I\"}, {\"uid\": ", "'badtok.json' is not valid JSON")]
    [InlineData("badtok.json", "[{\"uid\": \"EXIT-T1\", \"contract_id\": \"C1\", \"issuer\": \"I\"}, {\"uid\": 42}]", "'badtok.json' token [1]: field uid is a JSON number")]
    [InlineData("badtok.json", "[{\"uid\": \"EXIT-T1\", \"contract_id\": \"C1\", \"issuer\": \"I\"}, \"EXIT-T2\"]", "'badtok.json' token [1]: is a JSON string")]
    [InlineData("badtok.csv", "uid,contract_id,issuer,whitelist\nEXIT-T1,C1,I,ALWAYS\nEXIT-T2,C2,I,SOMETIMES\n", "'badtok.csv' line 3: field whitelist: whitelist 'SOMETIMES'")]
    public async Task TokensImport_BadFile_Exit2NamingTheTokenAndFieldAndNothingSent(string name, string content, string message)
    {
        var result = await hub.AsEmsp("tokens", "import", hub.File(name, content));
        var first = await hub.AsEmsp("tokens", "get", "--uid", "EXIT-T1");

        Assert.True(result.Code == 2, result.ToString());
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        Assert.True(first.Code == 1, "the good token before the bad one must not have been sent: " + first);
        Assert.Contains("NotFound", first.Error, StringComparison.Ordinal);
    }

    // A CDR of NL-ABC-CPO for DE-XYZ-EMSP; a broken one ends before it starts.
    private static string Cdr(string id, bool broken) => $$"""
        { "country_code": "NL", "party_id": "ABC", "id": "{{id}}",
          "start_date_time": "2026-10-03T08:00:00Z", "end_date_time": "{{(broken ? "2026-10-03T07:00:00Z" : "2026-10-03T09:00:00Z")}}",
          "cdr_token": { "country_code": "DE", "party_id": "XYZ", "uid": "04A1B2C3D4", "type": "RFID", "contract_id": "DE-XYZ-C00001" },
          "auth_method": "WHITELIST", "currency": "EUR", "cdr_location": { "id": "LOC1", "country": "NLD" },
          "charging_periods": [ { "start_date_time": "2026-10-03T08:00:00Z", "dimensions": [ { "type": "ENERGY", "volume": 10 } ] } ],
          "total_cost": { "excl_vat": 3.00, "incl_vat": 3.63 }, "total_energy": 10, "total_time": 1, "last_updated": "2026-10-03T09:05:00Z" }
        """;
}
