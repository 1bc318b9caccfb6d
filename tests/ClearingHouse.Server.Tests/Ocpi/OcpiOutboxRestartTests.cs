using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using ClearingHouse.Application.Access;
using ClearingHouse.Ocpi.Credentials;
using ClearingHouse.Ocpi.Hosting;
using ClearingHouse.Server.Tests.Infrastructure;
using ClearingHouse.Server.Tests.Locations;
using ClearingHouse.Server.Tests.Sessions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static ClearingHouse.Server.Tests.Ocpi.OcpiAnswers;

namespace ClearingHouse.Server.Tests.Ocpi;

/// <summary>What the hub acknowledged is delivered even across a restart: a command result the EMSP's platform refused (503) before the hub stopped arrives after it starts again.</summary>
public sealed class OcpiOutboxRestartTests
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Ocpi:AllowInsecurePartnerUrls"] = "true",
        ["Ocpi:PartnerTimeout"] = "00:00:03",
        ["Ocpi:Delivery:RetryBase"] = "00:00:00.200",
        ["Ocpi:Delivery:RetryMax"] = "00:00:01",
        ["Ocpi:Delivery:MaxAttempts"] = "100",
    };

    [Fact]
    public async Task CommandResult_PlatformDownAcrossHubRestart_DeliveredAfterRestart()
    {
        using var data = new TempDirectory();
        await using var platform = await ScriptedOcpiPartner.StartAsync();
        var accepting = false;
        platform.Handler = (context, _) => Volatile.Read(ref accepting)
            ? ScriptedOcpiPartner.Envelope(context, "null")
            : ScriptedOcpiPartner.Envelope(context, "null", statusCode: 3000, http: 503);

        var hub = await HubHost.StartEmbeddedAsync(data.Path, settings: Settings);
        try
        {
            var r = await Locations.Roaming.SetUpAsync(hub);
            var key = OcpiOutboundFixture.Key(r.Emsp);
            var tokenA = await hub.Services.GetRequiredService<OcpiPartners>().IssueTokenAAsync(new CallerIdentity(null, "test"), key);
            using var withA = OcpiOutboundFixture.Client(hub, tokenA);
            var (_, _, registered, message, _) = await OcpiAnswers.ReadAsync(await withA.PostAsync("/ocpi/2.2.1/credentials", Json(platform.Credentials(r.Emsp))));
            using var emsp = OcpiOutboundFixture.Client(hub, (string?)registered?["token"] ?? throw new Xunit.Sdk.XunitException("registration failed: " + message));
            await using (var cpo = await CpoSimulator.OpenAsync(hub.Channel(r.CpoSecret), CpoBehaviour.AcceptAndSucceed))
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/ocpi/2.2.1/commands/UNLOCK_CONNECTOR")
                {
                    Content = Json(new JsonObject { ["response_url"] = new Uri(platform.Address, "/results/r1").ToString(), ["location_id"] = "LOC1", ["evse_uid"] = "E1", ["connector_id"] = "1" }.ToJsonString()),
                };
                request.Headers.Add("OCPI-to-country-code", r.Cpo.CountryCode);
                request.Headers.Add("OCPI-to-party-id", r.Cpo.PartyId);
                var (_, _, answer, _, _) = await ReadAsync(await emsp.SendAsync(request));
                Assert.Equal("ACCEPTED", (string?)answer!["result"]);
                await platform.WaitForAsync("/results/r1");
            }
        }
        finally
        {
            await hub.DisposeAsync();
        }

        var refusedBeforeRestart = platform.To("/results/r1").Count;
        Volatile.Write(ref accepting, true);
        await using var restarted = await HubHost.StartEmbeddedAsync(data.Path, settings: Settings);
        var delivered = await platform.WaitForAsync("/results/r1", _ => platform.To("/results/r1").Count > refusedBeforeRestart);
        Assert.Equal("ACCEPTED", (string?)JsonNode.Parse(delivered.Body)!["result"]);
    }
}
