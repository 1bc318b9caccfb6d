using System.Diagnostics;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using ClearingHouse.Server.Tests.Tokens;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using static ClearingHouse.Server.Tests.Infrastructure.Parties;

namespace ClearingHouse.Server.Tests.Sessions;

/// <summary>A hub whose CPOs have 1 s to answer a command.</summary>
public sealed class CommandHubFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new();

    public HubHost Hub { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Hub = await HubHost.StartEmbeddedAsync(_data.Path, settings: new Dictionary<string, string?> { ["Commands:ResponseTimeout"] = "00:00:01" });

    public async Task DisposeAsync()
    {
        await Hub.DisposeAsync();
        _data.Dispose();
    }
}

/// <summary>CommandService over real gRPC: routing into the CPO's channel, responses, results, timeouts, channel loss, denials.</summary>
public sealed class CommandServiceTests(CommandHubFixture fixture) : IClassFixture<CommandHubFixture>
{
    private HubHost Hub => fixture.Hub;

    [Fact]
    public async Task StartSession_NoChannel_NoChannelAtOnce()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        var clock = Stopwatch.StartNew();

        var response = await pair.StartAsync();

        Assert.Equal(CommandDelivery.NoChannel, response.Delivery);
        Assert.Null(response.Response);
        Assert.True(clock.ElapsedMilliseconds < 900, $"took {clock.ElapsedMilliseconds} ms");
        var stored = (await pair.EmspCommands().GetCommandAsync(new GetCommandRequest { CommandId = response.CommandId })).Command;
        Assert.Equal(CommandDelivery.NoChannel, stored.Delivery);
        Assert.Equal(CommandType.StartSession, stored.Type);
    }

    [Fact]
    public async Task StartSession_CpoAccepts_ResponseThenResultDeliveredToEmsp()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        using var results = pair.EmspCommands().SubscribeCommandResults(new SubscribeCommandResultsRequest());
        await results.ResponseHeadersAsync.WaitAsync(TimeSpan.FromSeconds(20)); // the subscription is live
        await using var cpo = await CpoSimulator.OpenAsync(pair.CpoChannel, CpoBehaviour.AcceptAndSucceed);
        var response = await pair.StartAsync();

        Assert.Equal(CommandDelivery.Answered, response.Delivery);
        Assert.Equal(CommandResponseType.Accepted, response.Response.Result);
        Assert.Equal(response.CommandId, cpo.LastCommand!.CommandId);
        Assert.Equal(pair.Emsp, cpo.LastCommand.Emsp);
        Assert.Equal("LOC1", cpo.LastCommand.StartSession.LocationId);

        var result = await WaitForResultAsync(pair, response.CommandId);
        Assert.Equal(CommandResultType.Accepted, result.Result.Result);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (await results.ResponseStream.MoveNext(cts.Token))
        {
            if (results.ResponseStream.Current.Command.CommandId == response.CommandId)
            {
                Assert.Equal(CommandResultType.Accepted, results.ResponseStream.Current.Command.Result.Result);
                return;
            }
        }

        Assert.Fail("the result never reached the subscription");
    }

    [Fact]
    public async Task StartSession_CpoSilent_TimeoutWithinTheWait()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        await using var cpo = await CpoSimulator.OpenAsync(pair.CpoChannel, CpoBehaviour.Silent);
        var clock = Stopwatch.StartNew();

        var response = await pair.StartAsync();

        Assert.Equal(CommandDelivery.Timeout, response.Delivery);
        // The CPO gets its whole announced second (the hub waits by the stopwatch), and the EMSP no hang.
        Assert.InRange(clock.Elapsed.TotalMilliseconds, 1000, 3000);
        Assert.Equal(1, cpo.Received);

        // A late answer for the timed-out command is ignored: the record keeps TIMEOUT.
        await cpo.SendAsync(new CommandChannelRequest { Answer = new CommandAnswer { CommandId = response.CommandId, Response = new CommandResponse { Result = CommandResponseType.Accepted } } });
        Assert.Equal(CommandDelivery.Timeout, (await pair.EmspCommands().GetCommandAsync(new GetCommandRequest { CommandId = response.CommandId })).Command.Delivery);
    }

    [Fact]
    public async Task StartSession_ShortCallDeadline_AnsweredBeforeTheDeadline()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        await using var cpo = await CpoSimulator.OpenAsync(pair.CpoChannel, CpoBehaviour.Silent);

        var response = await pair.StartAsync(DateTime.UtcNow.AddMilliseconds(1500));

        Assert.Equal(CommandDelivery.Timeout, response.Delivery);
    }

    [Fact]
    public async Task StartSession_ChannelDropsWithCommandPending_NoChannelAtOnce()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        await using var cpo = await CpoSimulator.OpenAsync(pair.CpoChannel, CpoBehaviour.DropOnCommand);
        var clock = Stopwatch.StartNew();

        var response = await pair.StartAsync();

        Assert.Equal(CommandDelivery.NoChannel, response.Delivery);
        Assert.True(clock.ElapsedMilliseconds < 900, $"took {clock.ElapsedMilliseconds} ms: the drop should fail the command over at once");
    }

    [Fact]
    public async Task StartSession_AcceptedWithoutResult_HubReportsTimeoutResult()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        await using var cpo = await CpoSimulator.OpenAsync(pair.CpoChannel, CpoBehaviour.AcceptAndForget);

        var response = await pair.StartAsync();
        Assert.Equal(CommandResponseType.Accepted, response.Response.Result);

        var command = await WaitForResultAsync(pair, response.CommandId);
        Assert.Equal(CommandResultType.Timeout, command.Result.Result);

        // A result after the hub's TIMEOUT changes nothing.
        await cpo.SendAsync(new CommandChannelRequest { Result = new CommandResultReport { CommandId = response.CommandId, Result = new CommandResult { Result = CommandResultType.Accepted } } });
        Assert.Equal(CommandResultType.Timeout, (await pair.EmspCommands().GetCommandAsync(new GetCommandRequest { CommandId = response.CommandId })).Command.Result.Result);
    }

    [Fact]
    public async Task StopSession_OwnershipAndKnownSession_Enforced()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        var other = await RoamingPair.CreateAsync(Hub);
        await SessionTestKit.AgreeAsync(Hub, pair.Cpo, other.Emsp);
        await pair.PutAsync(pair.Session("RUN1"));
        await using var cpo = await CpoSimulator.OpenAsync(pair.CpoChannel, CpoBehaviour.Reject);

        StopSessionRequest Stop(string id) => new() { Cpo = pair.Cpo, Command = new StopSession { SessionId = id } };
        await AssertFails(StatusCode.PermissionDenied, () => other.EmspCommands().StopSessionAsync(Stop("RUN1")).ResponseAsync);
        var unknown = await AssertFails(StatusCode.NotFound, () => pair.EmspCommands().StopSessionAsync(Stop("NOPE")).ResponseAsync);
        Assert.Equal(["command.session_id"], ViolatedFields(unknown));
        Assert.Equal(0, cpo.Received);

        var rejected = await pair.EmspCommands().StopSessionAsync(Stop("RUN1"));
        Assert.Equal(CommandResponseType.Rejected, rejected.Response.Result);
        Assert.Equal("EVSE busy", rejected.Response.Message.Text);
        Assert.Equal("RUN1", cpo.LastCommand!.StopSession.SessionId);
    }

    [Fact]
    public async Task Commands_Denials_RightStatusNothingSent()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        var stranger = await RoamingPair.CreateAsync(Hub);
        await using var cpo = await CpoSimulator.OpenAsync(pair.CpoChannel, CpoBehaviour.AcceptAndSucceed);

        // No agreement between the stranger EMSP and this CPO.
        var start = new StartSessionRequest { Cpo = pair.Cpo, Command = new StartSession { Token = stranger.CommandToken(), LocationId = "LOC1" } };
        await AssertFails(StatusCode.FailedPrecondition, () => stranger.EmspCommands().StartSessionAsync(start).ResponseAsync);
        // A token of another EMSP.
        await AssertFails(StatusCode.PermissionDenied, () => pair.EmspCommands().StartSessionAsync(start).ResponseAsync);
        // A CPO sending commands; an EMSP opening a command channel.
        await AssertFails(StatusCode.PermissionDenied, () => new CommandService.CommandServiceClient(pair.CpoChannel).UnlockConnectorAsync(new UnlockConnectorRequest { Cpo = pair.Cpo, Command = new UnlockConnector { LocationId = "L", EvseUid = "E", ConnectorId = "1" } }).ResponseAsync);
        await AssertFails(StatusCode.PermissionDenied, async () => await CpoSimulator.OpenAsync(pair.EmspChannel, CpoBehaviour.Silent));
        // Malformed commands name the field.
        var bad = await AssertFails(StatusCode.InvalidArgument, () => pair.EmspCommands().UnlockConnectorAsync(new UnlockConnectorRequest { Cpo = pair.Cpo, Command = new UnlockConnector { LocationId = "L", EvseUid = "", ConnectorId = "1" } }).ResponseAsync);
        Assert.Equal(["command.evse_uid"], ViolatedFields(bad));
        await AssertFails(StatusCode.InvalidArgument, () => pair.EmspCommands().GetCommandAsync(new GetCommandRequest { CommandId = "x" }).ResponseAsync);
        Assert.Equal(0, cpo.Received);
    }

    [Fact]
    public async Task ReserveAndCancel_OnlyTheEmspThatReserved()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        var other = await RoamingPair.CreateAsync(Hub);
        await SessionTestKit.AgreeAsync(Hub, pair.Cpo, other.Emsp);
        await using var cpo = await CpoSimulator.OpenAsync(pair.CpoChannel, CpoBehaviour.AcceptAndSucceed);

        var reserved = await pair.EmspCommands().ReserveNowAsync(new ReserveNowRequest
        {
            Cpo = pair.Cpo,
            Command = new ReserveNow { Token = pair.CommandToken(), ExpiryDate = Timestamp.FromDateTime(DateTime.UtcNow.AddHours(1)), ReservationId = "R1", LocationId = "LOC1" },
        });
        Assert.Equal(CommandResponseType.Accepted, reserved.Response.Result);

        CancelReservationRequest Cancel(string id) => new() { Cpo = pair.Cpo, Command = new CancelReservation { ReservationId = id } };
        await AssertFails(StatusCode.PermissionDenied, () => other.EmspCommands().CancelReservationAsync(Cancel("R1")).ResponseAsync);
        await AssertFails(StatusCode.NotFound, () => pair.EmspCommands().CancelReservationAsync(Cancel("R-UNKNOWN")).ResponseAsync);
        var cancelled = await pair.EmspCommands().CancelReservationAsync(Cancel("R1"));
        Assert.Equal(CommandResponseType.Accepted, cancelled.Response.Result);
        Assert.Equal("R1", cpo.LastCommand!.CancelReservation.ReservationId);
        await AssertFails(StatusCode.NotFound, () => other.EmspCommands().GetCommandAsync(new GetCommandRequest { CommandId = cancelled.CommandId }).ResponseAsync);
    }

    [Fact]
    public async Task CommandChannel_MalformedAnswer_ChannelClosedWithInvalidArgument()
    {
        var pair = await RoamingPair.CreateAsync(Hub);
        await using var cpo = await CpoSimulator.OpenAsync(pair.CpoChannel, CpoBehaviour.Silent);

        await cpo.SendAsync(new CommandChannelRequest { Answer = new CommandAnswer { CommandId = "abc", Response = new CommandResponse() } });

        var ex = await Assert.ThrowsAsync<RpcException>(() => cpo.Completion.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
    }

    private static async Task<CommandStatus> WaitForResultAsync(RoamingPair pair, string commandId)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            var command = (await pair.EmspCommands().GetCommandAsync(new GetCommandRequest { CommandId = commandId })).Command;
            if (command.Result is not null)
            {
                return command;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"command {commandId} got no result in 20 s");
    }
}
