using System.Text.Json.Nodes;
using ClearingHouse.Ocpi.Push;
using ClearingHouse.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static ClearingHouse.Server.Tests.Ocpi.OcpiAnswers;
using static ClearingHouse.Server.Tests.Ocpi.OcpiRoamingData;

namespace ClearingHouse.Server.Tests.Ocpi;

/// <summary>
/// The push feeds resume from their stored cursors: a CDR the hub stores right after a restart, before or while the
/// EMSP's push grain comes back, reaches the EMSP's platform all the same.
/// </summary>
public sealed class OcpiPushRestartTests
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Ocpi:AllowInsecurePartnerUrls"] = "true",
        ["Ocpi:PartnerTimeout"] = "00:00:03",
        ["Ocpi:Delivery:RetryBase"] = "00:00:00.200",
    };

    [Fact]
    public async Task Push_CdrStoredRightAfterHubRestart_ReachesEmspPlatform()
    {
        using var data = new TempDirectory();
        await using var emspPlatform = await ScriptedOcpiPartner.StartAsync(receivers: true);
        await using var cpoPlatform = await ScriptedOcpiPartner.StartAsync();
        Roaming r;
        string cpoToken;
        var hub = await HubHost.StartEmbeddedAsync(data.Path, settings: Settings);
        try
        {
            r = await Roaming.SetUpAsync(hub);
            cpoToken = await OcpiOutboundFixture.RegisterAsync(hub, r.Cpo, cpoPlatform);
            await OcpiOutboundFixture.RegisterAsync(hub, r.Emsp, emspPlatform);
            var push = hub.Services.GetRequiredService<IGrainFactory>().GetGrain<IOcpiPushGrain>(OcpiOutboundFixture.Key(r.Emsp).ToString());
            var until = DateTime.UtcNow.AddSeconds(60);
            OcpiPushView view;
            while (!((view = await push.Get()).Cursors.ContainsKey(OcpiPushFeeds.CdrsFeed)) && DateTime.UtcNow < until)
            {
                await Task.Delay(100);
            }

            Assert.True(view.Cursors.ContainsKey(OcpiPushFeeds.CdrsFeed), $"the CDR feed's cursor was not stored within 60 s; following [{string.Join(",", view.Following)}]");
            using var cpo = OcpiOutboundFixture.Client(hub, cpoToken);
            await ExpectAsync(cpo.PutAsync(Receiver("tariffs", r.Cpo, "T-MIN"), Json(Roaming.MinPriceTariff)), 201, 1000, "PUT tariff");
        }
        finally
        {
            await hub.DisposeAsync();
        }

        await using var restarted = await HubHost.StartEmbeddedAsync(data.Path, settings: Settings);
        using (var cpo = OcpiOutboundFixture.Client(restarted, cpoToken))
        {
            await ExpectAsync(cpo.PostAsync("/ocpi/2.2.1/receiver/cdrs", Json(r.Cdr("C-RESTART"))), 201, 1000, "POST CDR after the restart");
        }

        var pushed = await emspPlatform.WaitForAsync("/emsp/cdrs", p => p.Body.Contains("C-RESTART", StringComparison.Ordinal));
        Assert.Equal(("C-RESTART", "MATCHED"), ((string?)JsonNode.Parse(pushed.Body)!["id"], (string?)JsonNode.Parse(pushed.Body)!["clearinghouse_price_check"]));
    }
}
