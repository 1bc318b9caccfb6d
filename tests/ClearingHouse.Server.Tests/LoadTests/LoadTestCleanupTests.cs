using ClearingHouse.Contracts.V1;
using ClearingHouse.LoadTests.Cli;
using ClearingHouse.Server.Tests.Infrastructure;

namespace ClearingHouse.Server.Tests.LoadTests;

/// <summary>A load-test run leaves no party in the default party listing: it archives the parties it registered.</summary>
public sealed class LoadTestCleanupTests
{
    [Fact]
    public async Task Run_End_ArchivesItsPartiesSoListingsHideThem()
    {
        using var data = new TempDirectory();
        await using var hub = await HubHost.StartEmbeddedAsync(data.Path);
        using var output = new TempDirectory();
        var admin = new PartyAdminService.PartyAdminServiceClient(hub.Channel(hub.OperatorSecret));

        var code = await LoadTestCommand.RunAsync(["session-lifecycle", "--hub", hub.Address.ToString(), "--credential", hub.OperatorSecret,
            "--rate", "10", "--duration", "1s", "--warmup", "200ms", "--quiet", "--out", output.Path]);

        Assert.Equal(0, code);
        var shown = await admin.ListPartiesAsync(new ListPartiesRequest());
        var all = await admin.ListPartiesAsync(new ListPartiesRequest { IncludeArchived = true });
        Assert.Empty(shown.Parties);
        Assert.True(all.Parties.Count >= 2, $"expected the run's CPO and EMSP among archived parties, found [{string.Join(", ", all.Parties.Select(p => $"{p.Ref} {p.Status}"))}]");
        Assert.All(all.Parties, p => Assert.Equal(PartyStatus.Archived, p.Status));
    }
}
