using System.Runtime.CompilerServices;
using ClearingHouse.Application.Access;
using ClearingHouse.Application.Commands;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Commands;
using ClearingHouse.Server.Identity;
using ClearingHouse.Server.Sessions;
using Grpc.Core;
using PartyRole = ClearingHouse.Domain.Parties.PartyRole;

namespace ClearingHouse.Server.Commands;

/// <summary>Remote commands from EMSPs, routed to the CPO's command channel (see commands.proto). The flow is <see cref="CommandFlow"/>.</summary>
public sealed class CommandGrpcService(CommandFlow commands, HubClock clock) : CommandService.CommandServiceBase
{
    /// <inheritdoc />
    public override async Task<StartSessionResponse> StartSession(StartSessionRequest request, ServerCallContext context)
    {
        var (caller, emsp) = Emsp(context);
        var cpo = SessionProtoMapping.ToCpo(request.Cpo);
        var sent = await commands.SendAsync(caller, cpo, CommandKind.StartSession, CommandProtoMapping.ToBody(request.Command, emsp, clock.UtcNow), context.Deadline);
        return new StartSessionResponse { CommandId = sent.CommandId, Delivery = (CommandDelivery)sent.Reply.Delivery, Response = CommandProtoMapping.ToProto(sent.Reply) };
    }

    /// <inheritdoc />
    public override async Task<StopSessionResponse> StopSession(StopSessionRequest request, ServerCallContext context)
    {
        var (caller, _) = Emsp(context);
        var cpo = SessionProtoMapping.ToCpo(request.Cpo);
        var sent = await commands.SendAsync(caller, cpo, CommandKind.StopSession, CommandProtoMapping.ToBody(request.Command), context.Deadline);
        return new StopSessionResponse { CommandId = sent.CommandId, Delivery = (CommandDelivery)sent.Reply.Delivery, Response = CommandProtoMapping.ToProto(sent.Reply) };
    }

    /// <inheritdoc />
    public override async Task<ReserveNowResponse> ReserveNow(ReserveNowRequest request, ServerCallContext context)
    {
        var (caller, emsp) = Emsp(context);
        var cpo = SessionProtoMapping.ToCpo(request.Cpo);
        var sent = await commands.SendAsync(caller, cpo, CommandKind.ReserveNow, CommandProtoMapping.ToBody(request.Command, emsp, clock.UtcNow), context.Deadline);
        return new ReserveNowResponse { CommandId = sent.CommandId, Delivery = (CommandDelivery)sent.Reply.Delivery, Response = CommandProtoMapping.ToProto(sent.Reply) };
    }

    /// <inheritdoc />
    public override async Task<CancelReservationResponse> CancelReservation(CancelReservationRequest request, ServerCallContext context)
    {
        var (caller, _) = Emsp(context);
        var cpo = SessionProtoMapping.ToCpo(request.Cpo);
        var sent = await commands.SendAsync(caller, cpo, CommandKind.CancelReservation, CommandProtoMapping.ToBody(request.Command), context.Deadline);
        return new CancelReservationResponse { CommandId = sent.CommandId, Delivery = (CommandDelivery)sent.Reply.Delivery, Response = CommandProtoMapping.ToProto(sent.Reply) };
    }

    /// <inheritdoc />
    public override async Task<UnlockConnectorResponse> UnlockConnector(UnlockConnectorRequest request, ServerCallContext context)
    {
        var (caller, _) = Emsp(context);
        var cpo = SessionProtoMapping.ToCpo(request.Cpo);
        var sent = await commands.SendAsync(caller, cpo, CommandKind.UnlockConnector, CommandProtoMapping.ToBody(request.Command), context.Deadline);
        return new UnlockConnectorResponse { CommandId = sent.CommandId, Delivery = (CommandDelivery)sent.Reply.Delivery, Response = CommandProtoMapping.ToProto(sent.Reply) };
    }

    /// <inheritdoc />
    public override async Task<GetCommandResponse> GetCommand(GetCommandRequest request, ServerCallContext context) =>
        new() { Command = (await commands.GetAsync(context.GetCaller(), request.CommandId)).ToProto() };

    /// <inheritdoc />
    public override Task SubscribeCommandResults(SubscribeCommandResultsRequest request, IServerStreamWriter<SubscribeCommandResultsResponse> responseStream, ServerCallContext context) =>
        commands.SubscribeResultsAsync(context.GetCaller(), new ResultSink(responseStream, context), context.CancellationToken);

    /// <inheritdoc />
    public override Task CommandChannel(IAsyncStreamReader<CommandChannelRequest> requestStream, IServerStreamWriter<CommandChannelResponse> responseStream, ServerCallContext context) =>
        commands.RunChannelAsync(context.GetCaller(), new ChannelPeer(requestStream, responseStream), context.CancellationToken);

    // The sending EMSP: its role is checked before the request is read, so a CPO learns nothing from field errors.
    private static (CallerIdentity Caller, Domain.Parties.PartyKey Emsp) Emsp(ServerCallContext context)
    {
        var caller = context.GetCaller();
        return (caller, caller.RequireParty(PartyRole.Emsp));
    }

    private sealed class ResultSink(IServerStreamWriter<SubscribeCommandResultsResponse> stream, ServerCallContext context) : ILiveSink<CommandRecord>
    {
        // Headers first: the client knows the subscription is live before the first result.
        public Task ReadyAsync() => context.WriteResponseHeadersAsync([]);

        public Task WriteAsync(CommandRecord item, CancellationToken cancellationToken) =>
            stream.WriteAsync(new SubscribeCommandResultsResponse { Command = item.ToProto() }, cancellationToken);
    }

    private sealed class ChannelPeer(IAsyncStreamReader<CommandChannelRequest> requests, IServerStreamWriter<CommandChannelResponse> responses) : ICommandChannelPeer
    {
        public Task ReadyAsync(string channelId, TimeSpan answerDeadline) =>
            responses.WriteAsync(new CommandChannelResponse { Ready = new CommandChannelReady { ChannelId = channelId, DeadlineMs = (int)answerDeadline.TotalMilliseconds } });

        public Task WriteAsync(ChannelCommand command, CancellationToken cancellationToken) =>
            responses.WriteAsync(new CommandChannelResponse { Command = command.ToProto() }, cancellationToken);

        public async IAsyncEnumerable<CpoMessage> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var message in requests.ReadAllAsync(cancellationToken))
            {
                yield return message.ToCore();
            }
        }
    }
}
