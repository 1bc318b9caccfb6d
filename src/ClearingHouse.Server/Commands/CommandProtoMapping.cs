using ClearingHouse.Application.Commands;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Commands;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Server.Grpc;
using ClearingHouse.Server.Tokens;
using Google.Protobuf.WellKnownTypes;

namespace ClearingHouse.Server.Commands;

/// <summary>Conversions between command messages and the core's command records.</summary>
public static class CommandProtoMapping
{
    /// <summary>START_SESSION's fields; the token is checked as the EMSP's own (InvalidArgument, PermissionDenied).</summary>
    public static CommandBody ToBody(StartSession? command, PartyKey emsp, DateTimeOffset now)
    {
        var c = command ?? throw Required("command");
        return new CommandBody
        {
            Token = TokenProtoMapping.ToRecord(c.Token, emsp, now, "command.token"),
            LocationId = c.LocationId,
            EvseUid = c.EvseUid,
            ConnectorId = c.ConnectorId,
            AuthorizationReference = c.AuthorizationReference,
        };
    }

    /// <summary>STOP_SESSION's fields.</summary>
    public static CommandBody ToBody(StopSession? command) =>
        new() { SessionId = (command ?? throw Required("command")).SessionId };

    /// <summary>RESERVE_NOW's fields; the token is checked as the EMSP's own, the expiry is required.</summary>
    public static CommandBody ToBody(ReserveNow? command, PartyKey emsp, DateTimeOffset now)
    {
        var c = command ?? throw Required("command");
        var token = TokenProtoMapping.ToRecord(c.Token, emsp, now, "command.token");
        return new CommandBody
        {
            Token = token,
            ExpiryDate = c.ExpiryDate is { } e ? ProtoMapping.ToInstant(e, "command.expiry_date") : throw Required("command.expiry_date"),
            ReservationId = c.ReservationId,
            LocationId = c.LocationId,
            EvseUid = c.EvseUid,
            AuthorizationReference = c.AuthorizationReference,
        };
    }

    /// <summary>CANCEL_RESERVATION's fields.</summary>
    public static CommandBody ToBody(CancelReservation? command) =>
        new() { ReservationId = (command ?? throw Required("command")).ReservationId };

    /// <summary>UNLOCK_CONNECTOR's fields.</summary>
    public static CommandBody ToBody(UnlockConnector? command)
    {
        var c = command ?? throw Required("command");
        return new CommandBody { LocationId = c.LocationId, EvseUid = c.EvseUid, ConnectorId = c.ConnectorId };
    }

    /// <summary>A command as the CPO's channel receives it.</summary>
    public static CommandRequest ToProto(this ChannelCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var b = command.Body;
        var request = new CommandRequest
        {
            CommandId = command.CommandId,
            Type = (CommandType)command.Kind,
            Emsp = command.Emsp.ToProto(),
            Deadline = Timestamp.FromDateTimeOffset(command.Deadline),
        };
        switch (command.Kind)
        {
            case CommandKind.StartSession:
                request.StartSession = new StartSession
                {
                    Token = b.Token?.ToProto(), LocationId = b.LocationId ?? "", EvseUid = b.EvseUid ?? "", ConnectorId = b.ConnectorId ?? "",
                    AuthorizationReference = b.AuthorizationReference ?? "",
                };
                break;
            case CommandKind.StopSession:
                request.StopSession = new StopSession { SessionId = b.SessionId ?? "" };
                break;
            case CommandKind.ReserveNow:
                request.ReserveNow = new ReserveNow
                {
                    Token = b.Token?.ToProto(), ExpiryDate = b.ExpiryDate is { } e ? Timestamp.FromDateTimeOffset(e) : null, ReservationId = b.ReservationId ?? "",
                    LocationId = b.LocationId ?? "", EvseUid = b.EvseUid ?? "", AuthorizationReference = b.AuthorizationReference ?? "",
                };
                break;
            case CommandKind.CancelReservation:
                request.CancelReservation = new CancelReservation { ReservationId = b.ReservationId ?? "" };
                break;
            case CommandKind.UnlockConnector:
                request.UnlockConnector = new UnlockConnector { LocationId = b.LocationId ?? "", EvseUid = b.EvseUid ?? "", ConnectorId = b.ConnectorId ?? "" };
                break;
        }

        return request;
    }

    /// <summary>A CPO's channel message, unchecked (the core validates it).</summary>
    public static CpoMessage ToCore(this CommandChannelRequest message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Answer is { } answer)
        {
            var r = answer.Response;
            return new CpoMessage(CpoMessageKind.Answer, answer.CommandId, (int)(r?.Result ?? CommandResponseType.Unspecified), r?.Timeout ?? 0, ToText(r?.Message));
        }

        if (message.Result is { } report)
        {
            var r = report.Result;
            return new CpoMessage(CpoMessageKind.Result, report.CommandId, (int)(r?.Result ?? CommandResultType.Unspecified), 0, ToText(r?.Message));
        }

        return new CpoMessage(CpoMessageKind.Unknown, "", 0, 0, null);
    }

    /// <summary>The wire form of a command record.</summary>
    public static CommandStatus ToProto(this CommandRecord command)
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

    /// <summary>The CPO's immediate answer on the wire, or null when it did not answer.</summary>
    public static CommandResponse? ToProto(CommandReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return reply.Delivery == CommandDeliveryKind.Answered
            ? new CommandResponse { Result = (CommandResponseType)reply.Response, Timeout = reply.TimeoutSeconds, Message = ToProto(reply.Message) }
            : null;
    }

    private static DisplayText? ToProto(CommandText? text) => text is null ? null : new DisplayText { Language = text.Language, Text = text.Text };

    private static CommandText? ToText(DisplayText? text) =>
        text is null || (text.Text.Length == 0 && text.Language.Length == 0) ? null : new CommandText(text.Language, text.Text);

    private static HubException Required(string field) => new(HubErrorCode.InvalidArgument, $"{field} is required", field);
}
