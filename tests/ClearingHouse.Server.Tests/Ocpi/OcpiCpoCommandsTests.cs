using System.Text.Json.Nodes;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using static ClearingHouse.Server.Tests.Ocpi.OcpiAnswers;

namespace ClearingHouse.Server.Tests.Ocpi;

/// <summary>
/// Commands from an EMSP on gRPC to a CPO on OCPI (its platform a real Kestrel server): the hub posts the command with
/// its own response_url, the platform's CommandResponse is the gRPC answer, and the CommandResult the platform posts
/// back reaches the EMSP as a channel's would.
/// </summary>
public sealed class OcpiCpoCommandsTests(OcpiOutboundFixture fixture) : IClassFixture<OcpiOutboundFixture>
{
    [Fact]
    public async Task UnlockConnector_OcpiCpoAcceptsThenReports_GrpcEmspGetsAnswerAndResult()
    {
        await using var platform = await ScriptedOcpiPartner.StartAsync();
        platform.Handler = (context, _) => ScriptedOcpiPartner.Envelope(context, """{"result":"ACCEPTED","timeout":20}""");
        var (cpo, emsp, cpoClient) = await SetUpAsync(platform);

        var answer = await emsp.UnlockConnectorAsync(new UnlockConnectorRequest { Cpo = cpo, Command = new UnlockConnector { LocationId = "LOC1", EvseUid = "E1", ConnectorId = "1" } });
        Assert.Equal((CommandDelivery.Answered, CommandResponseType.Accepted, 20), (answer.Delivery, answer.Response.Result, answer.Response.Timeout));

        var sent = platform.To("/ocpi/2.2.1/commands/UNLOCK_CONNECTOR").Single();
        var body = JsonNode.Parse(sent.Body)!;
        Assert.Equal(("LOC1", "E1", "1"), ((string?)body["location_id"], (string?)body["evse_uid"], (string?)body["connector_id"]));
        var responseUrl = (string)body["response_url"]!;
        Assert.EndsWith("/ocpi/2.2.1/commands/results/" + answer.CommandId, responseUrl, StringComparison.Ordinal);

        // The CPO reports the result at the hub's response_url; a second report is refused.
        var (http, code, _, message, _) = await ReadAsync(await cpoClient.PostAsync(responseUrl, Json("""{"result":"ACCEPTED","message":[{"language":"en","text":"unlocked"}]}""")));
        Assert.True((http, code) == (200, 1000), $"result: HTTP {http}, {code}: {message}");
        Assert.Equal(404, (await ReadAsync(await cpoClient.PostAsync(responseUrl, Json("""{"result":"FAILED"}""")))).Http);
        var status = (await emsp.GetCommandAsync(new GetCommandRequest { CommandId = answer.CommandId })).Command;
        Assert.Equal((CommandResultType.Accepted, "unlocked"), (status.Result.Result, status.Result.Message?.Text));
    }

    [Fact]
    public async Task UnlockConnector_OcpiCpoDownOrSilent_NoChannelOrTimeoutNeverAnError()
    {
        var platform = await ScriptedOcpiPartner.StartAsync();
        platform.Handler = (context, _) => Task.Delay(Timeout.Infinite, context.RequestAborted);
        var (cpo, emsp, _) = await SetUpAsync(platform);
        var unlock = new UnlockConnectorRequest { Cpo = cpo, Command = new UnlockConnector { LocationId = "LOC1", EvseUid = "E1", ConnectorId = "1" } };

        Assert.Equal(CommandDelivery.Timeout, (await emsp.UnlockConnectorAsync(unlock)).Delivery);
        await platform.DisposeAsync();
        Assert.Equal(CommandDelivery.NoChannel, (await emsp.UnlockConnectorAsync(unlock)).Delivery);
    }

    [Fact]
    public async Task CommandResult_FromAnotherCpoOrMalformed_Refused()
    {
        await using var platform = await ScriptedOcpiPartner.StartAsync();
        platform.Handler = (context, _) => ScriptedOcpiPartner.Envelope(context, """{"result":"ACCEPTED","timeout":20}""");
        var (cpo, emsp, cpoClient) = await SetUpAsync(platform);
        await using var otherPlatform = await ScriptedOcpiPartner.StartAsync();
        var (_, _, otherCpoClient) = await SetUpAsync(otherPlatform);
        var answer = await emsp.UnlockConnectorAsync(new UnlockConnectorRequest { Cpo = cpo, Command = new UnlockConnector { LocationId = "LOC1", EvseUid = "E1", ConnectorId = "1" } });
        var url = "/ocpi/2.2.1/commands/results/" + answer.CommandId;

        Assert.Equal(404, (await ReadAsync(await otherCpoClient.PostAsync(url, Json("""{"result":"ACCEPTED"}""")))).Http);
        Assert.Equal((400, 2001), Pair(await ReadAsync(await cpoClient.PostAsync(url, Json("""{"result":"PERHAPS"}""")))));
        Assert.Equal((400, 2001), Pair(await ReadAsync(await cpoClient.PostAsync("/ocpi/2.2.1/commands/results/not-an-id", Json("""{"result":"ACCEPTED"}""")))));
        Assert.Equal(CommandResultType.Unspecified, (await emsp.GetCommandAsync(new GetCommandRequest { CommandId = answer.CommandId })).Command.Result?.Result ?? CommandResultType.Unspecified);
    }

    private static (int, int) Pair((int Http, int Code, JsonNode?, string?, HttpResponseMessage) answer) => (answer.Http, answer.Code);

    // A CPO registered over OCPI with the platform, a gRPC EMSP with an agreement; the EMSP's command client and the CPO's OCPI client.
    private async Task<(PartyRef Cpo, CommandService.CommandServiceClient Emsp, HttpClient CpoClient)> SetUpAsync(ScriptedOcpiPartner platform)
    {
        var admin = fixture.Hub.Channel(fixture.Hub.OperatorSecret);
        var cpo = Parties.Unique(PartyRole.Cpo);
        var emsp = Parties.Unique(PartyRole.Emsp, "DE");
        await Parties.RegisterWithCredentialAsync(admin, cpo);
        var emspSecret = await Parties.RegisterWithCredentialAsync(admin, emsp);
        await new PartyAdminService.PartyAdminServiceClient(admin).SetAgreementAsync(new SetAgreementRequest { Cpo = cpo, Emsp = emsp });
        var cpoClient = fixture.Client(await fixture.RegisterAsync(cpo, platform));
        return (cpo, new CommandService.CommandServiceClient(fixture.Hub.Channel(emspSecret)), cpoClient);
    }
}
