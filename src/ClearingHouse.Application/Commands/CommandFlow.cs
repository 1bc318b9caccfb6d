using System.Diagnostics;
using ClearingHouse.Application.Access;
using ClearingHouse.Application.Channels;
using ClearingHouse.Application.Sessions;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains.Commands;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Options;
using ClearingHouse.Grains.Sessions;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Application.Commands;

/// <summary>
/// Remote commands, below every edge: an EMSP sends one, the hub records it, routes it to the CPO's command channel
/// (on any silo) and returns the CPO's immediate answer, or TIMEOUT / NO_CHANNEL, never a hang; the CPO's channel
/// delivers answers and later results; EMSPs follow results on a live stream. Access: EMSPs send and read their own
/// commands, only with an active agreement; CPOs serve their own channel; open streams are watched by <see cref="LiveAccess"/>.
/// </summary>
public sealed partial class CommandFlow(
    IGrainFactory grains,
    AccessPolicy access,
    LiveAccess live,
    CommandChannelHub channels,
    RemoteCommandRoutes remoteRoutes,
    PartyFeedHub feeds,
    SessionMetrics metrics,
    IOptions<CommandsOptions> options,
    ILogger<CommandFlow> logger)
{
    /// <summary>The highest CommandResponseType wire value (UNKNOWN_SESSION); ACCEPTED is 3.</summary>
    public const int MaxResponseType = 4;

    /// <summary>The CommandResponseType wire value ACCEPTED.</summary>
    public const int AcceptedResponse = 3;

    /// <summary>The highest CommandResultType wire value (UNKNOWN_RESERVATION).</summary>
    public const int MaxResultType = 9;

    /// <summary>Longest display text a CPO may send with an answer or a result.</summary>
    public const int MaxTextLength = 512;

    /// <summary>
    /// Sends <paramref name="body"/> of <paramref name="kind"/> from the calling EMSP to <paramref name="cpo"/>: validates it
    /// (InvalidArgument naming the field), checks what the EMSP may command (its own session or reservation: NotFound,
    /// PermissionDenied) and the agreement (FailedPrecondition), records the command durably and waits for the CPO's answer
    /// up to <c>Commands:ResponseTimeout</c>, cut to <paramref name="callDeadline"/> (<see cref="DateTime.MaxValue"/>: none).
    /// </summary>
    public async Task<CommandSent> SendAsync(CallerIdentity caller, PartyKey cpo, CommandKind kind, CommandBody body, DateTime callDeadline)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(body);
        var started = Stopwatch.GetTimestamp();
        var emsp = caller.RequireParty(PartyRole.Emsp);
        RequireCpo(cpo);
        var subject = await CheckAsync(emsp, cpo, kind, body);
        if (!await access.MayExchangeAsync(cpo, emsp))
        {
            throw new HubException(HubErrorCode.FailedPrecondition, $"no active roaming agreement between {cpo} and {emsp}", "cpo");
        }

        var id = Guid.CreateVersion7().ToString("N");
        var grain = grains.GetGrain<ICommandGrain>(id);
        await grain.Create(new CommandRecord { Id = id, Kind = kind, Cpo = cpo, Emsp = emsp, SubjectId = subject, RequestedAt = access.Now });

        var wait = CallDeadlines.PartnerWait(options.Value.ResponseTimeout, callDeadline);
        var ask = new CommandAsk { Cpo = cpo, CommandId = id, Kind = kind, Emsp = emsp, Body = body, Timeout = wait };
        // A CPO on another protocol (OCPI) gets the same ask there, with the same outcomes.
        var reply = wait <= TimeSpan.Zero ? CommandReply.Timeout
            : remoteRoutes.TryGet(cpo, out var remote) && remote.Serves(kind) ? await remote.SendAsync(ask)
            // A gRPC command channel carries no charging profiles: only a CPO reached by OCPI can take them.
            : IsChargingProfile(kind) ? CommandReply.NoChannel
            : await channels.SendAsync(ask);
        await grain.SetResponse(reply);
        metrics.CommandSent(kind, reply.Delivery, started);
        LogCommand(logger, id, kind.ToString(), emsp.ToString(), cpo.ToString(), reply.Delivery.ToString(), reply.Response);
        if (kind == CommandKind.ReserveNow && reply.Delivery == CommandDeliveryKind.Answered && reply.Response == AcceptedResponse)
        {
            await Reservation(cpo, body.ReservationId!).SetOwner(emsp);
        }

        return new CommandSent(id, reply);
    }

    /// <summary>
    /// Records the result a CPO reached by another protocol reports for its command (an OCPI CPO's CommandResult at the
    /// hub's response_url): InvalidArgument for a malformed id or result, NotFound when the command is unknown, not the
    /// caller's, or already has a result. The EMSP is told as for a channel's result.
    /// </summary>
    public async Task ReportResultAsync(CallerIdentity caller, string commandId, int result, CommandText? message, string? payload = null)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var cpo = caller.RequireParty(PartyRole.Cpo);
        if (!IsCommandId(commandId))
        {
            throw new HubException(HubErrorCode.InvalidArgument, "command_id must be 32 lower-case hex characters", "command_id");
        }

        if (result is < 1 or > MaxResultType)
        {
            throw new HubException(HubErrorCode.InvalidArgument, "result is not a CommandResultType", "result");
        }

        if (message is not null && (message.Text.Length > MaxTextLength || TokenRules.ValidateLanguage(message.Language) is not null))
        {
            throw new HubException(HubErrorCode.InvalidArgument, "message is malformed (language, or text over 512 characters)", "message");
        }

        if (!await grains.GetGrain<ICommandGrain>(commandId).ReportResult(cpo, result, message, payload))
        {
            throw new HubException(HubErrorCode.NotFound, "no command of the caller waits for this result");
        }
    }

    /// <summary>A command of the calling EMSP (or any, for the operator); NotFound for another's, InvalidArgument for a malformed id.</summary>
    public async Task<CommandRecord> GetAsync(CallerIdentity caller, string commandId)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.IsOperator)
        {
            caller.RequireParty(PartyRole.Emsp);
        }

        if (!IsCommandId(commandId))
        {
            throw new HubException(HubErrorCode.InvalidArgument, "command_id must be 32 lower-case hex characters", "command_id");
        }

        var command = await grains.GetGrain<ICommandGrain>(commandId).Get();
        return command is null || (!caller.IsOperator && command.Emsp != caller.Party)
            ? throw new HubException(HubErrorCode.NotFound, "no such command of the caller")
            : command;
    }

    /// <summary>
    /// Streams the calling EMSP's command results to <paramref name="sink"/> until the call ends or the EMSP loses access
    /// (PermissionDenied); results of a CPO it no longer has an agreement with are left out.
    /// </summary>
    public Task SubscribeResultsAsync(CallerIdentity caller, ILiveSink<CommandRecord> sink, CancellationToken callAborted)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(sink);
        var emsp = caller.RequireParty(PartyRole.Emsp);
        return live.RunAsync(caller, async stream =>
        {
            var subscription = await feeds.SubscribeAsync(emsp, FeedKind.CommandResults);
            try
            {
                await sink.ReadyAsync();
                await foreach (var command in subscription.Results.Reader.ReadAllAsync(stream.Token))
                {
                    if (await stream.MayReceiveFromAsync(command.Cpo))
                    {
                        await sink.WriteAsync(command, stream.Token);
                    }
                }
            }
            catch (OperationCanceledException) when (callAborted.IsCancellationRequested)
            {
                // The subscriber went away.
            }
            finally
            {
                await feeds.UnsubscribeAsync(subscription);
            }
        }, callAborted);
    }

    /// <summary>
    /// Serves the calling CPO's command channel over <paramref name="peer"/>: announces it, writes the commands routed to it
    /// and reads its answers and results until the CPO closes it. A malformed message closes it with InvalidArgument, a flood
    /// of messages for unknown commands with ResourceExhausted, a suspension or revoked credential with PermissionDenied;
    /// the commands waiting on it then fail over to the CPO's other channels at once.
    /// </summary>
    public Task RunChannelAsync(CallerIdentity caller, ICommandChannelPeer peer, CancellationToken callAborted)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(peer);
        var cpo = caller.RequireParty(PartyRole.Cpo);
        return live.RunAsync(caller, async stream =>
        {
            var channel = await channels.OpenAsync(cpo);
            using var writing = CancellationTokenSource.CreateLinkedTokenSource(stream.Token);
            Task? writer = null;
            try
            {
                await peer.ReadyAsync(channel.Id, options.Value.ResponseTimeout);
                writer = WriteCommandsAsync(channel, peer, writing.Token);
                await ReadAnswersAsync(channel, cpo, peer, stream.Token);
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
        }, callAborted);
    }

    /// <summary>Whether <paramref name="kind"/> is one of the charging profile requests (OCPI chargingprofiles module).</summary>
    public static bool IsChargingProfile(CommandKind kind) => kind is CommandKind.SetChargingProfile or CommandKind.GetActiveChargingProfile or CommandKind.ClearProfile;

    /// <summary>Whether <paramref name="id"/> has the form of a hub command id (32 lower-case hex characters).</summary>
    public static bool IsCommandId(string id) => id is { Length: 32 } && id.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    private static void RequireCpo(PartyKey cpo)
    {
        if (cpo.Role != PartyRole.Cpo)
        {
            throw new HubException(HubErrorCode.InvalidArgument, "cpo.role must be PARTY_ROLE_CPO", "cpo.role");
        }
    }

    // The fields each kind needs, and what the EMSP may command; returns the command's subject (session or reservation id).
    private async Task<string?> CheckAsync(PartyKey emsp, PartyKey cpo, CommandKind kind, CommandBody body)
    {
        switch (kind)
        {
            case CommandKind.StartSession:
                RequireToken(body, emsp);
                HubException.ThrowIfInvalid(TokenRules.ValidateId(body.LocationId ?? "", required: true), "command.location_id");
                HubException.ThrowIfInvalid(TokenRules.ValidateId(body.EvseUid ?? "", required: false), "command.evse_uid");
                HubException.ThrowIfInvalid(TokenRules.ValidateId(body.ConnectorId ?? "", required: false), "command.connector_id");
                HubException.ThrowIfInvalid(TokenRules.ValidateId(body.AuthorizationReference ?? "", required: false), "command.authorization_reference");
                return null;
            case CommandKind.StopSession:
                HubException.ThrowIfInvalid(TokenRules.ValidateId(body.SessionId ?? "", required: true), "command.session_id");
                var session = await grains.GetGrain<ISessionGrain>(SessionRecord.KeyOf(cpo, body.SessionId!)).Get()
                    ?? throw new HubException(HubErrorCode.NotFound, $"the hub has no session {body.SessionId} of {cpo}", "command.session_id");
                return session.Emsp == emsp
                    ? body.SessionId
                    : throw new HubException(HubErrorCode.PermissionDenied, $"session {body.SessionId} belongs to another EMSP");
            case CommandKind.ReserveNow:
                RequireToken(body, emsp);
                if (body.ExpiryDate is not { } expiry)
                {
                    throw new HubException(HubErrorCode.InvalidArgument, "command.expiry_date is required", "command.expiry_date");
                }

                if (expiry <= access.Now)
                {
                    throw new HubException(HubErrorCode.InvalidArgument, "command.expiry_date must be in the future", "command.expiry_date");
                }

                HubException.ThrowIfInvalid(TokenRules.ValidateId(body.ReservationId ?? "", required: true), "command.reservation_id");
                HubException.ThrowIfInvalid(TokenRules.ValidateId(body.LocationId ?? "", required: true), "command.location_id");
                HubException.ThrowIfInvalid(TokenRules.ValidateId(body.EvseUid ?? "", required: false), "command.evse_uid");
                HubException.ThrowIfInvalid(TokenRules.ValidateId(body.AuthorizationReference ?? "", required: false), "command.authorization_reference");
                if (await Reservation(cpo, body.ReservationId!).GetOwner() is { } owner && owner != emsp)
                {
                    throw new HubException(HubErrorCode.PermissionDenied, $"reservation {body.ReservationId} belongs to another EMSP");
                }

                return body.ReservationId;
            case CommandKind.CancelReservation:
                HubException.ThrowIfInvalid(TokenRules.ValidateId(body.ReservationId ?? "", required: true), "command.reservation_id");
                var reservedBy = await Reservation(cpo, body.ReservationId!).GetOwner()
                    ?? throw new HubException(HubErrorCode.NotFound, $"the hub has no reservation {body.ReservationId} at {cpo}", "command.reservation_id");
                return reservedBy == emsp
                    ? body.ReservationId
                    : throw new HubException(HubErrorCode.PermissionDenied, $"reservation {body.ReservationId} belongs to another EMSP");
            case CommandKind.UnlockConnector:
                HubException.ThrowIfInvalid(TokenRules.ValidateId(body.LocationId ?? "", required: true), "command.location_id");
                HubException.ThrowIfInvalid(TokenRules.ValidateId(body.EvseUid ?? "", required: true), "command.evse_uid");
                HubException.ThrowIfInvalid(TokenRules.ValidateId(body.ConnectorId ?? "", required: true), "command.connector_id");
                return null;
            case CommandKind.SetChargingProfile or CommandKind.GetActiveChargingProfile or CommandKind.ClearProfile:
                if (kind == CommandKind.SetChargingProfile && string.IsNullOrEmpty(body.ChargingProfile))
                {
                    throw new HubException(HubErrorCode.InvalidArgument, "charging_profile is required", "charging_profile");
                }

                if (kind == CommandKind.GetActiveChargingProfile && body.Duration is not > 0)
                {
                    throw new HubException(HubErrorCode.InvalidArgument, "duration must be a positive number of seconds", "duration");
                }

                return await ActiveSessionOfAsync(emsp, cpo, body.SessionId);
            default:
                throw new HubException(HubErrorCode.InvalidArgument, "command type is not one the hub knows", "type");
        }
    }

    // Charging profiles: only the EMSP of the session, and only while it is ACTIVE at that CPO.
    private async Task<string> ActiveSessionOfAsync(PartyKey emsp, PartyKey cpo, string? sessionId)
    {
        HubException.ThrowIfInvalid(TokenRules.ValidateId(sessionId ?? "", required: true), "session_id");
        var session = await grains.GetGrain<ISessionGrain>(SessionRecord.KeyOf(cpo, sessionId!)).Get()
            ?? throw new HubException(HubErrorCode.NotFound, $"the hub has no session {sessionId} of {cpo}", "session_id");
        if (session.Emsp != emsp)
        {
            throw new HubException(HubErrorCode.PermissionDenied, $"session {sessionId} belongs to another EMSP");
        }

        return session.Status == Domain.Sessions.SessionStatus.Active
            ? sessionId!
            : throw new HubException(HubErrorCode.FailedPrecondition, $"session {sessionId} is {session.Status.ToString().ToUpperInvariant()}, not active", "session_id");
    }

    private static void RequireToken(CommandBody body, PartyKey emsp)
    {
        if (body.Token is not { } token)
        {
            throw new HubException(HubErrorCode.InvalidArgument, "command.token is required", "command.token");
        }

        if (token.Owner != emsp)
        {
            throw new HubException(HubErrorCode.PermissionDenied, $"command.token belongs to {token.Owner}; an EMSP may only command with its own tokens");
        }
    }

    private IReservationGrain Reservation(PartyKey cpo, string reservationId) => grains.GetGrain<IReservationGrain>($"{cpo}/{reservationId}");

    private static CommandText? CheckText(CommandText? text, string field) =>
        text is null || (text.Text.Length <= MaxTextLength && TokenRules.ValidateLanguage(text.Language) is null)
            ? text
            : throw new HubException(HubErrorCode.InvalidArgument, $"the channel was closed: {field} is malformed");

    private static async Task WriteCommandsAsync(PartyChannel<ChannelCommand, CommandReply> channel, ICommandChannelPeer peer, CancellationToken cancellationToken)
    {
        await foreach (var command in channel.Outbox.ReadAllAsync(cancellationToken))
        {
            await peer.WriteAsync(command, cancellationToken);
        }
    }

    private async Task ReadAnswersAsync(PartyChannel<ChannelCommand, CommandReply> channel, PartyKey cpo, ICommandChannelPeer peer, CancellationToken cancellationToken)
    {
        var limit = options.Value.MaxUnknownMessagesPerSecond;
        var windowStart = Environment.TickCount64;
        var unknownInWindow = 0;
        await foreach (var message in peer.ReadAllAsync(cancellationToken))
        {
            bool known;
            switch (message.Kind)
            {
                case CpoMessageKind.Answer:
                    if (message.CommandId.Length is 0 or > 64 || message.Code is < 1 or > MaxResponseType || message.TimeoutSeconds < 0)
                    {
                        throw Cut(channel, cpo, "an answer without a valid command_id, result or timeout");
                    }

                    known = channel.TryAnswer(message.CommandId, new CommandReply
                    {
                        Delivery = CommandDeliveryKind.Answered,
                        Response = message.Code,
                        TimeoutSeconds = message.TimeoutSeconds,
                        Message = CheckText(message.Text, "answer.response.message"),
                    });
                    break;
                case CpoMessageKind.Result:
                    if (!IsCommandId(message.CommandId) || message.Code is < 1 or > MaxResultType)
                    {
                        throw Cut(channel, cpo, "a result without a valid command_id or result");
                    }

                    known = await grains.GetGrain<ICommandGrain>(message.CommandId).ReportResult(cpo, message.Code, CheckText(message.Text, "result.result.message"), null);
                    break;
                default:
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
                throw new HubException(HubErrorCode.ResourceExhausted, $"the channel was closed: more than {limit} messages per second for unknown or expired commands");
            }
        }
    }

    private HubException Cut(PartyChannel<ChannelCommand, CommandReply> channel, PartyKey cpo, string problem)
    {
        LogChannelCut(logger, cpo.ToString(), channel.Id, problem);
        return new HubException(HubErrorCode.InvalidArgument, $"the channel was closed: the CPO sent {problem}");
    }

    [LoggerMessage(EventId = 5401, Level = LogLevel.Information, Message = "Command {CommandId} {Kind} from {Emsp} to {Cpo}: {Delivery} {Response}")]
    private static partial void LogCommand(ILogger logger, string commandId, string kind, string emsp, string cpo, string delivery, int response);

    [LoggerMessage(EventId = 5402, Level = LogLevel.Warning, Message = "CPO {Cpo} command channel {ChannelId} cut off: {Reason}")]
    private static partial void LogChannelCut(ILogger logger, string cpo, string channelId, string reason);

    [LoggerMessage(EventId = 5403, Level = LogLevel.Debug, Message = "CPO {Cpo} channel {ChannelId}: message for an unknown or expired command ignored")]
    private static partial void LogUnknown(ILogger logger, string cpo, string channelId);
}
