using ClearingHouse.Application.Channels;
using ClearingHouse.Application.Sessions;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Commands;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Options;
using ClearingHouse.Grains.Parties;
using ClearingHouse.Grains.Sessions;
using ClearingHouse.Server.Tokens;
using ClearingHouse.Server.Commands;
using ClearingHouse.Server.Identity;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using PartyRole = ClearingHouse.Domain.Parties.PartyRole;

namespace ClearingHouse.Server.Grpc;

/// <summary>Remote commands from EMSPs, routed to the CPO's command channel (see commands.proto).</summary>
public sealed partial class CommandGrpcService(
    IGrainFactory grains,
    PartyDirectory directory,
    CommandChannelHub channels,
    PartyFeedHub feeds,
    SessionMetrics metrics,
    HubClock clock,
    IOptions<CommandsOptions> options,
    ILogger<CommandGrpcService> logger) : CommandService.CommandServiceBase
{

    /// <inheritdoc />
    public override async Task<StartSessionResponse> StartSession(StartSessionRequest request, ServerCallContext context)
    {
        var emsp = context.GetCaller().RequireParty(PartyRole.Emsp);
        var cpo = ToCpo(request.Cpo);
        var command = request.Command ?? throw Required("command");
        TokenProtoMapping.ToRecord(command.Token, emsp, clock.UtcNow, "command.token");
        HubException.ThrowIfInvalid(TokenRules.ValidateId(command.LocationId, required: true), "command.location_id");
        HubException.ThrowIfInvalid(TokenRules.ValidateId(command.EvseUid, required: false), "command.evse_uid");
        HubException.ThrowIfInvalid(TokenRules.ValidateId(command.ConnectorId, required: false), "command.connector_id");
        HubException.ThrowIfInvalid(TokenRules.ValidateId(command.AuthorizationReference, required: false), "command.authorization_reference");
        var (id, reply) = await SendAsync(emsp, cpo, CommandKind.StartSession, null, new CommandRequest { StartSession = command }, context);
        return new StartSessionResponse { CommandId = id, Delivery = (CommandDelivery)reply.Delivery, Response = ToProto(reply) };
    }

    /// <inheritdoc />
    public override async Task<StopSessionResponse> StopSession(StopSessionRequest request, ServerCallContext context)
    {
        var emsp = context.GetCaller().RequireParty(PartyRole.Emsp);
        var cpo = ToCpo(request.Cpo);
        var command = request.Command ?? throw Required("command");
        HubException.ThrowIfInvalid(TokenRules.ValidateId(command.SessionId, required: true), "command.session_id");
        var session = await grains.GetGrain<ISessionGrain>(SessionRecord.KeyOf(cpo, command.SessionId)).Get()
            ?? throw new HubException(HubErrorCode.NotFound, $"the hub has no session {command.SessionId} of {cpo}", "command.session_id");
        if (session.Emsp != emsp)
        {
            throw new HubException(HubErrorCode.PermissionDenied, $"session {command.SessionId} belongs to another EMSP");
        }

        var (id, reply) = await SendAsync(emsp, cpo, CommandKind.StopSession, command.SessionId, new CommandRequest { StopSession = command }, context);
        return new StopSessionResponse { CommandId = id, Delivery = (CommandDelivery)reply.Delivery, Response = ToProto(reply) };
    }

    /// <inheritdoc />
    public override async Task<ReserveNowResponse> ReserveNow(ReserveNowRequest request, ServerCallContext context)
    {
        var emsp = context.GetCaller().RequireParty(PartyRole.Emsp);
        var cpo = ToCpo(request.Cpo);
        var command = request.Command ?? throw Required("command");
        TokenProtoMapping.ToRecord(command.Token, emsp, clock.UtcNow, "command.token");
        var expiry = command.ExpiryDate is { } e ? ProtoMapping.ToInstant(e, "command.expiry_date") : throw Required("command.expiry_date");
        if (expiry <= clock.UtcNow)
        {
            throw new HubException(HubErrorCode.InvalidArgument, "command.expiry_date must be in the future", "command.expiry_date");
        }

        HubException.ThrowIfInvalid(TokenRules.ValidateId(command.ReservationId, required: true), "command.reservation_id");
        HubException.ThrowIfInvalid(TokenRules.ValidateId(command.LocationId, required: true), "command.location_id");
        HubException.ThrowIfInvalid(TokenRules.ValidateId(command.EvseUid, required: false), "command.evse_uid");
        HubException.ThrowIfInvalid(TokenRules.ValidateId(command.AuthorizationReference, required: false), "command.authorization_reference");
        var reservation = grains.GetGrain<IReservationGrain>($"{cpo}/{command.ReservationId}");
        if (await reservation.GetOwner() is { } owner && owner != emsp)
        {
            throw new HubException(HubErrorCode.PermissionDenied, $"reservation {command.ReservationId} belongs to another EMSP");
        }

        var (id, reply) = await SendAsync(emsp, cpo, CommandKind.ReserveNow, command.ReservationId, new CommandRequest { ReserveNow = command }, context);
        if (reply.Delivery == CommandDeliveryKind.Answered && reply.Response == (int)CommandResponseType.Accepted)
        {
            await reservation.SetOwner(emsp);
        }

        return new ReserveNowResponse { CommandId = id, Delivery = (CommandDelivery)reply.Delivery, Response = ToProto(reply) };
    }

    /// <inheritdoc />
    public override async Task<CancelReservationResponse> CancelReservation(CancelReservationRequest request, ServerCallContext context)
    {
        var emsp = context.GetCaller().RequireParty(PartyRole.Emsp);
        var cpo = ToCpo(request.Cpo);
        var command = request.Command ?? throw Required("command");
        HubException.ThrowIfInvalid(TokenRules.ValidateId(command.ReservationId, required: true), "command.reservation_id");
        var owner = await grains.GetGrain<IReservationGrain>($"{cpo}/{command.ReservationId}").GetOwner()
            ?? throw new HubException(HubErrorCode.NotFound, $"the hub has no reservation {command.ReservationId} at {cpo}", "command.reservation_id");
        if (owner != emsp)
        {
            throw new HubException(HubErrorCode.PermissionDenied, $"reservation {command.ReservationId} belongs to another EMSP");
        }

        var (id, reply) = await SendAsync(emsp, cpo, CommandKind.CancelReservation, command.ReservationId, new CommandRequest { CancelReservation = command }, context);
        return new CancelReservationResponse { CommandId = id, Delivery = (CommandDelivery)reply.Delivery, Response = ToProto(reply) };
    }

    /// <inheritdoc />
    public override async Task<UnlockConnectorResponse> UnlockConnector(UnlockConnectorRequest request, ServerCallContext context)
    {
        var emsp = context.GetCaller().RequireParty(PartyRole.Emsp);
        var cpo = ToCpo(request.Cpo);
        var command = request.Command ?? throw Required("command");
        HubException.ThrowIfInvalid(TokenRules.ValidateId(command.LocationId, required: true), "command.location_id");
        HubException.ThrowIfInvalid(TokenRules.ValidateId(command.EvseUid, required: true), "command.evse_uid");
        HubException.ThrowIfInvalid(TokenRules.ValidateId(command.ConnectorId, required: true), "command.connector_id");
        var (id, reply) = await SendAsync(emsp, cpo, CommandKind.UnlockConnector, null, new CommandRequest { UnlockConnector = command }, context);
        return new UnlockConnectorResponse { CommandId = id, Delivery = (CommandDelivery)reply.Delivery, Response = ToProto(reply) };
    }

    /// <inheritdoc />
    public override async Task<GetCommandResponse> GetCommand(GetCommandRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        if (!caller.IsOperator)
        {
            caller.RequireParty(PartyRole.Emsp);
        }

        if (!IsCommandId(request.CommandId))
        {
            throw new HubException(HubErrorCode.InvalidArgument, "command_id must be 32 lower-case hex characters", "command_id");
        }

        var command = await grains.GetGrain<ICommandGrain>(request.CommandId).Get();
        if (command is null || (!caller.IsOperator && command.Emsp != caller.Party))
        {
            throw new HubException(HubErrorCode.NotFound, "no such command of the caller");
        }

        return new GetCommandResponse { Command = ToProto(command) };
    }

    /// <inheritdoc />
    public override async Task SubscribeCommandResults(SubscribeCommandResultsRequest request, IServerStreamWriter<SubscribeCommandResultsResponse> responseStream, ServerCallContext context)
    {
        var emsp = context.GetCaller().RequireParty(PartyRole.Emsp);
        var subscription = await feeds.SubscribeAsync(emsp, FeedKind.CommandResults);
        try
        {
            // Headers now: the client knows the subscription is live before the first result.
            await context.WriteResponseHeadersAsync([]);
            await foreach (var command in subscription.Results.Reader.ReadAllAsync(context.CancellationToken))
            {
                await responseStream.WriteAsync(new SubscribeCommandResultsResponse { Command = ToProto(command) }, context.CancellationToken);
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The subscriber went away.
        }
        finally
        {
            await feeds.UnsubscribeAsync(subscription);
        }
    }

    /// <inheritdoc />
    public override async Task CommandChannel(IAsyncStreamReader<CommandChannelRequest> requestStream, IServerStreamWriter<CommandChannelResponse> responseStream, ServerCallContext context)
    {
        var cpo = context.GetCaller().RequireParty(PartyRole.Cpo);
        var channel = await channels.OpenAsync(cpo);
        using var writing = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        Task? writer = null;
        try
        {
            await responseStream.WriteAsync(new CommandChannelResponse
            {
                Ready = new CommandChannelReady { ChannelId = channel.Id, DeadlineMs = (int)options.Value.ResponseTimeout.TotalMilliseconds },
            });
            writer = WriteCommandsAsync(channel, responseStream, writing.Token);
            await ReadAnswersAsync(channel, cpo, requestStream, context.CancellationToken);
        }
        finally
        {
            await channels.CloseAsync(channel);
            await writing.CancelAsync();
            if (writer is not null)
            {
                try
                {
                    await writer;
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
                {
                    // The stream is over either way.
                }
            }
        }
    }

    /// <summary>The wire form of a command record.</summary>
    public static CommandStatus ToProto(CommandRecord command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var proto = new CommandStatus
        {
            CommandId = command.Id,
            Type = (CommandType)command.Kind,
            Cpo = command.Cpo.ToProto(),
            Emsp = command.Emsp.ToProto(),
            RequestedAt = Timestamp.FromDateTimeOffset(command.RequestedAt),
            Delivery = (CommandDelivery)command.Delivery,
            SubjectId = command.SubjectId ?? "",
        };
        if (command.Delivery == CommandDeliveryKind.Answered)
        {
            proto.Response = new CommandResponse { Result = (CommandResponseType)command.Response, Timeout = command.ResponseTimeoutSeconds, Message = ToProto(command.ResponseMessage) };
        }

        if (command.Result != 0)
        {
            proto.Result = new CommandResult { Result = (CommandResultType)command.Result, Message = ToProto(command.ResultMessage) };
        }

        if (command.ResultAt is { } at)
        {
            proto.ResultAt = Timestamp.FromDateTimeOffset(at);
        }

        if (command.ResultDeadline is { } deadline)
        {
            proto.ResultDeadline = Timestamp.FromDateTimeOffset(deadline);
        }

        return proto;
    }

    private static DisplayText? ToProto(CommandText? text) => text is null ? null : new DisplayText { Language = text.Language, Text = text.Text };

    private static CommandResponse? ToProto(CommandReply reply) => reply.Delivery == CommandDeliveryKind.Answered
        ? new CommandResponse { Result = (CommandResponseType)reply.Response, Timeout = reply.TimeoutSeconds, Message = ToProto(reply.Message) }
        : null;

    private static bool IsCommandId(string id) => id.Length == 32 && id.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    private static PartyKey ToCpo(PartyRef? party)
    {
        var cpo = ProtoMapping.ToKey(party, "cpo");
        return cpo.Role == PartyRole.Cpo ? cpo : throw new HubException(HubErrorCode.InvalidArgument, "cpo.role must be PARTY_ROLE_CPO", "cpo.role");
    }

    private static HubException Required(string field) => new(HubErrorCode.InvalidArgument, $"{field} is required", field);

    private static CommandText? ToText(DisplayText? text, string field)
    {
        if (text is null || (text.Text.Length == 0 && text.Language.Length == 0))
        {
            return null;
        }

        return text.Text.Length <= TokenProtoMapping.MaxInfoLength && TokenRules.ValidateLanguage(text.Language) is null
            ? new CommandText(text.Language, text.Text)
            : throw new RpcException(new Status(StatusCode.InvalidArgument, $"the channel was closed: {field} is malformed"));
    }

    private static async Task WriteCommandsAsync(PartyChannel<CommandRequest, CommandReply> channel, IServerStreamWriter<CommandChannelResponse> stream, CancellationToken cancellationToken)
    {
        await foreach (var command in channel.Outbox.ReadAllAsync(cancellationToken))
        {
            await stream.WriteAsync(new CommandChannelResponse { Command = command }, cancellationToken);
        }
    }

    private async Task<(string Id, CommandReply Reply)> SendAsync(PartyKey emsp, PartyKey cpo, CommandKind kind, string? subject, CommandRequest request, ServerCallContext context)
    {
        var now = clock.UtcNow;
        var view = await directory.GetAsync();
        if (!view.IsAgreementActive(cpo, emsp, now))
        {
            throw new HubException(HubErrorCode.FailedPrecondition, $"no active roaming agreement between {cpo} and {emsp}", "cpo");
        }

        var id = Guid.CreateVersion7().ToString("N");
        var grain = grains.GetGrain<ICommandGrain>(id);
        await grain.Create(new CommandRecord { Id = id, Kind = kind, Cpo = cpo, Emsp = emsp, SubjectId = subject, RequestedAt = now });

        var wait = CallDeadlines.PartnerWait(options.Value.ResponseTimeout, context.Deadline);

        request.Type = (CommandType)kind;
        request.Emsp = emsp.ToProto();
        var reply = wait <= TimeSpan.Zero
            ? CommandReply.Timeout
            : await channels.SendAsync(new CommandAsk { Cpo = cpo, CommandId = id, Payload = request.ToByteArray(), Timeout = wait });
        await grain.SetResponse(reply);
        metrics.CommandSent(kind.ToString(), reply.Delivery.ToString());
        LogCommand(logger, id, kind.ToString(), emsp.ToString(), cpo.ToString(), reply.Delivery.ToString(), reply.Response);
        return (id, reply);
    }

    private async Task ReadAnswersAsync(PartyChannel<CommandRequest, CommandReply> channel, PartyKey cpo, IAsyncStreamReader<CommandChannelRequest> stream, CancellationToken cancellationToken)
    {
        var limit = options.Value.MaxUnknownMessagesPerSecond;
        var windowStart = Environment.TickCount64;
        var unknownInWindow = 0;
        await foreach (var message in stream.ReadAllAsync(cancellationToken))
        {
            bool known;
            if (message.Answer is { } answer)
            {
                var response = answer.Response;
                if (answer.CommandId.Length is 0 or > 64 || response is null || response.Result == CommandResponseType.Unspecified
                    || !System.Enum.IsDefined(response.Result) || response.Timeout < 0)
                {
                    throw Cut(channel, cpo, "an answer without a valid command_id, result or timeout");
                }

                known = channel.TryAnswer(answer.CommandId, new CommandReply
                {
                    Delivery = CommandDeliveryKind.Answered,
                    Response = (int)response.Result,
                    TimeoutSeconds = response.Timeout,
                    Message = ToText(response.Message, "answer.response.message"),
                });
            }
            else if (message.Result is { } report)
            {
                var result = report.Result;
                if (!IsCommandId(report.CommandId) || result is null || result.Result == CommandResultType.Unspecified || !System.Enum.IsDefined(result.Result))
                {
                    throw Cut(channel, cpo, "a result without a valid command_id or result");
                }

                known = await grains.GetGrain<ICommandGrain>(report.CommandId).ReportResult(cpo, (int)result.Result, ToText(result.Message, "result.result.message"));
            }
            else
            {
                throw Cut(channel, cpo, "a message without an answer or a result");
            }

            if (known)
            {
                continue;
            }

            // An answer or result for a command that timed out, was never sent to this CPO, or already has
            // one: ignored, counted, and limited so that a flood cannot take the silo's CPU.
            LogUnknown(logger, cpo.ToString(), channel.Id);
            var now = Environment.TickCount64;
            if (now - windowStart >= 1000)
            {
                windowStart = now;
                unknownInWindow = 0;
            }

            if (++unknownInWindow > limit)
            {
                LogChannelCut(logger, cpo.ToString(), channel.Id, "too many messages for unknown commands");
                throw new RpcException(new Status(StatusCode.ResourceExhausted, $"the channel was closed: more than {limit} messages per second for unknown or expired commands"));
            }
        }
    }

    private RpcException Cut(PartyChannel<CommandRequest, CommandReply> channel, PartyKey cpo, string problem)
    {
        LogChannelCut(logger, cpo.ToString(), channel.Id, problem);
        return new RpcException(new Status(StatusCode.InvalidArgument, $"the channel was closed: the CPO sent {problem}"));
    }

    [LoggerMessage(EventId = 5401, Level = LogLevel.Information, Message = "Command {CommandId} {Kind} from {Emsp} to {Cpo}: {Delivery} {Response}")]
    private static partial void LogCommand(ILogger logger, string commandId, string kind, string emsp, string cpo, string delivery, int response);

    [LoggerMessage(EventId = 5402, Level = LogLevel.Warning, Message = "CPO {Cpo} command channel {ChannelId} cut off: {Reason}")]
    private static partial void LogChannelCut(ILogger logger, string cpo, string channelId, string reason);

    [LoggerMessage(EventId = 5403, Level = LogLevel.Debug, Message = "CPO {Cpo} channel {ChannelId}: message for an unknown or expired command ignored")]
    private static partial void LogUnknown(ILogger logger, string cpo, string channelId);
}
