using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using Grpc.Core;
using Xunit.Abstractions;

namespace ClearingHouse.Server.Tests.Faults;

/// <summary>
/// One silo of two SIGKILLed while partners call the other: the survivor serves within 1 s of the membership
/// change (issue 16, finding 3), answering Unavailable (retryable), never anything else, before it.
/// </summary>
[Collection(FaultTests.Name)]
public sealed class SiloLossTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task SiloKilled_SurvivorServesWithinOneSecondOfTheMembershipChange()
    {
        await using var cluster = await TwoSiloCluster.CreateAsync();
        // A starts alone, so the party registry and the parties' credential grains activate on it: the silo to kill.
        var a = await cluster.StartAsync(cluster.SettingsA);
        var roaming = await Roaming.SetUpAsync(a);
        await new TariffService.TariffServiceClient(roaming.CpoChannel(a)).PutTariffAsync(new PutTariffRequest { OcpiJson = Roaming.MinPriceTariff });
        var b = await cluster.StartAsync(cluster.SettingsB);
        Assert.Equal(2, await cluster.WaitForActiveSilosAsync(2, Patience));

        var log = new CallLog();
        var identity = new IdentityService.IdentityServiceClient(roaming.CpoChannel(b));
        var cdrs = new CdrService.CdrServiceClient(roaming.CpoChannel(b));
        using var stop = new CancellationTokenSource();
        var loops = new[]
        {
            log.LoopAsync("whoami", _ => identity.WhoAmIAsync(new WhoAmIRequest(), deadline: DateTime.UtcNow.AddSeconds(15)).ResponseAsync, stop.Token),
            log.LoopAsync("cdr", async i =>
            {
                var reply = await cdrs.SubmitCdrBatchAsync(new SubmitCdrBatchRequest { Cdrs = { roaming.Cdr($"F{i:D6}") } }, deadline: DateTime.UtcNow.AddSeconds(15));
                Assert.True(reply.Acks[0].Status is CdrAckStatus.Accepted or CdrAckStatus.Duplicate, $"CDR F{i:D6}: {reply.Acks[0]}");
            }, stop.Token),
        };
        try
        {
            await log.WaitForSuccessesAsync("whoami", 20, 0, Patience);
            await log.WaitForSuccessesAsync("cdr", 20, 0, Patience);

            var killedAt = log.Now;
            await a.KillAsync();
            await cluster.WaitUntilDeclaredDeadAsync(cluster.SettingsA.Values["Silo:SiloPort"], Patience);
            var deadAt = log.Now;
            // Calls keep running until well after the target, and enough of them after it to count.
            await Task.WhenAll(
                log.WaitForSuccessesAsync("whoami", 20, deadAt + 1000, Patience),
                log.WaitForSuccessesAsync("cdr", 20, deadAt + 1000, Patience),
                Task.Delay(TimeSpan.FromSeconds(5)));
            await stop.CancelAsync();
            await Task.WhenAll(loops).WaitAsync(Patience);

            var calls = log.Calls;
            var failed = calls.Where(c => c.Status != StatusCode.OK).ToList();
            var lastFailure = failed.Count == 0 ? killedAt : failed.Max(c => c.EndMs);
            var lateFailures = failed.Count(c => c.StartMs > deadAt + 1000);
            output.WriteLine($"silo A killed at {killedAt:0} ms; declared dead in PostgreSQL {deadAt - killedAt:0} ms later");
            output.WriteLine($"survivor: {calls.Count(c => c.StartMs >= killedAt)} calls after the kill, {failed.Count} failed; last failure ended {lastFailure - deadAt:0} ms after the membership change (target: no call started 1000 ms after it fails)");
            output.WriteLine(log.Summary());

            Assert.True(failed.All(c => c.Status == StatusCode.Unavailable), $"a failure other than Unavailable:{Environment.NewLine}{log.Summary()}{Environment.NewLine}{b.RecentOutput}");
            Assert.True(lateFailures == 0, $"{lateFailures} calls started more than 1 s after the membership change failed:{Environment.NewLine}{log.Summary()}{Environment.NewLine}{b.RecentOutput}");
        }
        finally
        {
            await stop.CancelAsync();
        }
    }
}
