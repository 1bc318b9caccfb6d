using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using ClearingHouse.Server.Tests.Tokens;

namespace ClearingHouse.Server.Tests.Sessions;

/// <summary>Acknowledged sessions and commands survive a restart of the hub.</summary>
public sealed class SessionRestartTests
{
    [Fact]
    public async Task Restart_SameDataDirectory_KeepsSessionsCommandsAndCursors()
    {
        using var data = new TempDirectory();
        string commandId;
        PartyRef cpo, emsp;
        string cpoSecret, emspSecret;
        await using (var hub = await HubHost.StartEmbeddedAsync(data.Path))
        {
            var admin = hub.Channel(hub.OperatorSecret);
            cpo = Parties.Unique(PartyRole.Cpo, "BE");
            emsp = Parties.Unique(PartyRole.Emsp, "BE");
            cpoSecret = await Parties.RegisterWithCredentialAsync(admin, cpo);
            emspSecret = await Parties.RegisterWithCredentialAsync(admin, emsp);
            await SessionTestKit.AgreeAsync(hub, cpo, emsp);
            var pair = new RoamingPair(cpo, emsp, hub.Channel(cpoSecret), hub.Channel(emspSecret));
            await pair.PutAsync(pair.Session("KEEP-1", SessionStatus.Active, kwh: 3, minute: 1));
            await pair.PutAsync(pair.Session("KEEP-1", SessionStatus.Completed, kwh: 9, minute: 2));
            commandId = (await pair.StartAsync()).CommandId;
        }

        await using (var hub = await HubHost.StartEmbeddedAsync(data.Path))
        {
            var pair = new RoamingPair(cpo, emsp, hub.Channel(cpoSecret), hub.Channel(emspSecret));
            var session = (await pair.EmspSessions().GetSessionAsync(new GetSessionRequest { Cpo = cpo, SessionId = "KEEP-1" })).Session;
            Assert.Equal(SessionStatus.Completed, session.Status);
            Assert.Equal(9, session.Kwh);

            // The state machine still holds after the restart: COMPLETED does not become ACTIVE.
            var revived = pair.Session("KEEP-1", SessionStatus.Active, kwh: 10, minute: 3);
            await Parties.AssertFails(global::Grpc.Core.StatusCode.FailedPrecondition, () => pair.PutAsync(revived));

            var command = (await pair.EmspCommands().GetCommandAsync(new GetCommandRequest { CommandId = commandId })).Command;
            Assert.Equal(CommandDelivery.NoChannel, command.Delivery);

            using var feed = pair.EmspSessions().SubscribeSessions(new SubscribeSessionsRequest { FromStart = true });
            var replay = Assert.Single(await feed.ReadAsync(1));
            Assert.Equal("KEEP-1", replay.Session.Id);
        }
    }
}
