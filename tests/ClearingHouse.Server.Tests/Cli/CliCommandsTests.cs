namespace ClearingHouse.Server.Tests.Cli;

/// <summary>The commands added for issue 17 (reservations, location patches, CDR export), run as a user runs them.</summary>
public sealed class CliCommandsTests(CliHubFixture hub) : IClassFixture<CliHubFixture>
{
    private static readonly string Examples = Path.Combine(CliProcess.RepositoryRoot, "docs", "examples");

    [Fact]
    public async Task CommandsReserveAndCancel_CpoAnswering_AcceptedAndSeenByTheCpo()
    {
        Assert.Equal(0, (await hub.AsEmsp("tokens", "put", "--uid", "RES-TOKEN", "--contract-id", "DE-XYZ-C00009", "--issuer", "Xyz Mobility")).Code);
        var cpo = await CliProcess.StartAsync(hub.WorkingDirectory, " open;", "--hub", hub.Hub.Address.ToString(), "--credential", hub.CpoSecret, "cpo", "answer", "--rule", "accept", "--count", "2");

        var reserve = await hub.AsEmsp("commands", "reserve", "--cpo", "NL-ABC-CPO", "--uid", "RES-TOKEN", "--reservation", "R-1", "--location", "LOC1", "--evse", "E1", "--expiry", "30m");
        var cancel = await hub.AsEmsp("commands", "cancel", "--cpo", "NL-ABC-CPO", "--reservation", "R-1");
        var answered = await cpo.Exit;

        Assert.True(reserve.Code == 0, reserve.ToString());
        Assert.Contains("response   ACCEPTED", reserve.Output, StringComparison.Ordinal);
        Assert.True(cancel.Code == 0, cancel.ToString());
        Assert.Contains("response   ACCEPTED", cancel.Output, StringComparison.Ordinal);
        Assert.True(answered.Code == 0, answered.ToString());
        Assert.Contains("RESERVE_NOW reservation R-1 at LOC1", answered.Output, StringComparison.Ordinal);
        Assert.Contains("CANCEL_RESERVATION reservation R-1", answered.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CommandsReserve_BadExpiry_Exit2()
    {
        var result = await hub.AsEmsp("commands", "reserve", "--cpo", "NL-ABC-CPO", "--uid", "X", "--reservation", "R-2", "--location", "LOC1", "--expiry", "soon");

        Assert.True(result.Code == 2, result.ToString());
        Assert.Contains("--expiry 'soon'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LocationsPatch_LocationAndEvseFields_AppliedAndShownByGet()
    {
        Assert.Equal(0, (await hub.AsCpo("locations", "put", Path.Combine(Examples, "loc.json"))).Code);

        var location = await hub.AsCpo("locations", "patch", "LOC1", "--name", "Central Station P2", "--city", "Amstelveen");
        var evse = await hub.AsCpo("locations", "patch", "LOC1", "--evse", "E2", "--status", "OUT_OF_ORDER", "--physical-reference", "bay 2");
        var old = await hub.AsCpo("locations", "patch", "LOC1", "--name", "Old", "--last-updated", "2020-01-01T00:00:00Z");
        var got = await hub.AsEmsp("locations", "get", "--cpo", "NL-ABC-CPO", "LOC1");

        Assert.True(location.Code == 0, location.ToString());
        Assert.StartsWith("applied", location.Output, StringComparison.Ordinal);
        Assert.True(evse.Code == 0, evse.ToString());
        Assert.Contains("OUTOFORDER", evse.Output, StringComparison.Ordinal);
        Assert.True(old.Code == 0, old.ToString());
        Assert.StartsWith("not applied", old.Output, StringComparison.Ordinal);
        Assert.Contains("Central Station P2", got.Output, StringComparison.Ordinal);
        Assert.Contains("Amstelveen", got.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nothing to change", "LOC1")]
    [InlineData("--status changes an EVSE: name it with --evse", "LOC1", "--status", "BLOCKED")]
    [InlineData("with --evse give only EVSE fields", "LOC1", "--evse", "E1", "--name", "X")]
    [InlineData("is not an EVSE status", "LOC1", "--evse", "E1", "--status", "BROKEN")]
    public async Task LocationsPatch_BadCombination_Exit2(string message, params string[] args)
    {
        var result = await hub.AsCpo(["locations", "patch", .. args]);

        Assert.True(result.Code == 2, result.ToString());
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CdrsExport_AllPages_OneCsvRowPerCdrWithExactAmounts()
    {
        var cdrs = Enumerable.Range(1, 3).Select(i => $$"""
            { "country_code": "NL", "party_id": "ABC", "id": "CSV-{{i}}",
              "start_date_time": "2026-09-0{{i}}T08:00:00Z", "end_date_time": "2026-09-0{{i}}T09:00:00Z",
              "cdr_token": { "country_code": "DE", "party_id": "XYZ", "uid": "04A1B2C3D4", "type": "RFID", "contract_id": "DE-XYZ-C00001" },
              "auth_method": "WHITELIST", "currency": "EUR", "cdr_location": { "id": "LOC1", "country": "NLD" },
              "charging_periods": [ { "start_date_time": "2026-09-0{{i}}T08:00:00Z", "dimensions": [ { "type": "ENERGY", "volume": 10 } ] } ],
              "total_cost": { "excl_vat": 3.125, "incl_vat": 3.78125 }, "total_energy": 10, "total_time": 1, "last_updated": "2026-09-0{{i}}T09:05:00Z" }
            """);
        Assert.Equal(0, (await hub.AsCpo("cdrs", "submit", hub.File("csv.json", "[" + string.Join(',', cdrs) + "]"))).Code);

        var stdout = await hub.AsEmsp("cdrs", "export", "--from", "2026-09-01T00:00:00Z", "--to", "2026-09-30T00:00:00Z", "--page-size", "2");
        var file = await hub.AsEmsp("cdrs", "export", "--from", "2026-09-01T00:00:00Z", "--to", "2026-09-30T00:00:00Z", "--output", "september.csv");

        Assert.True(stdout.Code == 0, stdout.ToString());
        var lines = stdout.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("cpo,cdr_id,emsp,start_date_time,end_date_time,currency,total_excl_vat,total_incl_vat,credit,credit_reference_id,tariff_id,price_check,hub_total_excl_vat,hub_total_incl_vat,received_at", lines[0]);
        Assert.Equal(["CSV-1", "CSV-2", "CSV-3"], lines.Skip(1).Select(l => l.Split(',')[1]).Order());
        Assert.All(lines.Skip(1), l => Assert.StartsWith("NL-ABC-CPO,CSV-", l, StringComparison.Ordinal));
        Assert.All(lines.Skip(1), l => Assert.Contains(",EUR,3.125,3.78125,false,", l, StringComparison.Ordinal));
        Assert.True(file.Code == 0, file.ToString());
        Assert.Contains("3 CDRs written to", file.Output, StringComparison.Ordinal);
        Assert.Equal(stdout.Output.Replace("\r\n", "\n", StringComparison.Ordinal), (await File.ReadAllTextAsync(Path.Combine(hub.WorkingDirectory, "september.csv"))).Replace("\r\n", "\n", StringComparison.Ordinal));
    }
}
