using System.CommandLine;
using ClearingHouse.Cli.Output;
using ClearingHouse.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace ClearingHouse.Cli.Commands;

/// <summary><c>cpo answer</c>: a simple CPO that answers commands on its channel by a rule.</summary>
public static class CpoCommands
{
    /// <summary>Builds the <c>cpo</c> command group.</summary>
    public static Command Create(CommandContext ctx)
    {
        var cpo = new Command("cpo", "Act as a CPO's command endpoint");
        var rule = new Option<string>("--rule") { Description = "accept (then result ACCEPTED), reject, not-supported, silent, or accept-no-result", DefaultValueFactory = _ => "accept" };
        var count = new Option<int>("--count") { Description = "Stop after this many commands (default: until Ctrl+C)" };
        var sessions = new Option<bool>("--sessions") { Description = "With accept: report the session of an accepted START_SESSION (ACTIVE) and complete it on STOP_SESSION" };
        var answer = new Command("answer", "Open a CommandChannel and answer every command by a rule, printing each") { rule, count, sessions };
        answer.SetAction(async (r, ct) =>
        {
            var behaviour = r.GetValue(rule)!.Trim().ToLowerInvariant();
            if (behaviour is not ("accept" or "reject" or "not-supported" or "silent" or "accept-no-result"))
            {
                throw new UsageException($"--rule '{behaviour}' is not accept, reject, not-supported, silent or accept-no-result");
            }

            using var channel = ctx.Channel(r);
            var me = r.GetValue(sessions) ? await SessionsCommands.CallerAsync(channel, ct) : null;
            var sessionClient = new SessionService.SessionServiceClient(channel);
            using var call = new CommandService.CommandServiceClient(channel).CommandChannel(cancellationToken: ct);
            var printer = ctx.Printer(r);
            var limit = r.GetValue(count);
            var answered = 0;
            try
            {
                await foreach (var message in call.ResponseStream.ReadAllAsync(ct))
                {
                    if (message.Ready is { } ready)
                    {
                        printer.Line($"channel {ready.ChannelId} open; the hub waits up to {ready.DeadlineMs} ms per command");
                        continue;
                    }

                    var command = message.Command;
                    var response = behaviour switch
                    {
                        "reject" => CommandResponseType.Rejected,
                        "not-supported" => CommandResponseType.NotSupported,
                        "silent" => CommandResponseType.Unspecified,
                        _ => CommandResponseType.Accepted,
                    };
                    if (response != CommandResponseType.Unspecified)
                    {
                        await call.RequestStream.WriteAsync(new CommandChannelRequest { Answer = new CommandAnswer { CommandId = command.CommandId, Response = new CommandResponse { Result = response, Timeout = 30 } } }, ct);
                    }

                    if (behaviour == "accept")
                    {
                        if (me is not null)
                        {
                            await ReportSessionAsync(sessionClient, me, command, ct);
                        }

                        await call.RequestStream.WriteAsync(new CommandChannelRequest { Result = new CommandResultReport { CommandId = command.CommandId, Result = new CommandResult { Result = CommandResultType.Accepted } } }, ct);
                    }

                    printer.Line($"{DateTime.UtcNow:HH:mm:ss.fff} {command.CommandId} {TokensCommands.Name(command.Type.ToString())} {Subject(command)} from {Format.Party(command.Emsp)} -> {(response == CommandResponseType.Unspecified ? "(no answer)" : TokensCommands.Name(response.ToString()))}{(behaviour == "accept" ? ", result ACCEPTED" : "")}");
                    if (limit > 0 && ++answered >= limit)
                    {
                        break;
                    }
                }

                await ChannelEnd.CloseAsync(call.RequestStream, call.ResponseStream, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && ct.IsCancellationRequested)
            {
            }

            return 0;
        });
        cpo.Subcommands.Add(answer);
        return cpo;
    }

    private static string Subject(CommandRequest c) => c.CommandCase switch
    {
        CommandRequest.CommandOneofCase.StartSession => $"token {c.StartSession.Token.Uid} at {c.StartSession.LocationId}",
        CommandRequest.CommandOneofCase.StopSession => $"session {c.StopSession.SessionId}",
        CommandRequest.CommandOneofCase.ReserveNow => $"reservation {c.ReserveNow.ReservationId} at {c.ReserveNow.LocationId}",
        CommandRequest.CommandOneofCase.CancelReservation => $"reservation {c.CancelReservation.ReservationId}",
        CommandRequest.CommandOneofCase.UnlockConnector => $"{c.UnlockConnector.LocationId}/{c.UnlockConnector.EvseUid}/{c.UnlockConnector.ConnectorId}",
        _ => "",
    };

    // The session a remote start creates: id CMD-<command id prefix>, authorized by the command.
    private static async Task ReportSessionAsync(SessionService.SessionServiceClient client, PartyRef me, CommandRequest command, CancellationToken ct)
    {
        var now = Timestamp.FromDateTime(DateTime.UtcNow);
        if (command.StartSession is { } start)
        {
            await client.PutSessionAsync(new PutSessionRequest
            {
                Session = new Session
                {
                    CountryCode = me.CountryCode,
                    PartyId = me.PartyId,
                    Id = $"CMD-{command.CommandId[..12]}",
                    StartDateTime = now,
                    CdrToken = new CdrToken { CountryCode = start.Token.CountryCode, PartyId = start.Token.PartyId, Uid = start.Token.Uid, Type = start.Token.Type, ContractId = start.Token.ContractId },
                    AuthMethod = AuthMethod.Command,
                    AuthorizationReference = start.AuthorizationReference,
                    LocationId = start.LocationId,
                    EvseUid = start.EvseUid.Length > 0 ? start.EvseUid : "E1",
                    ConnectorId = start.ConnectorId.Length > 0 ? start.ConnectorId : "1",
                    Currency = "EUR",
                    Status = SessionStatus.Active,
                    LastUpdated = now,
                },
            }, deadline: CommandContext.Deadline, cancellationToken: ct);
        }
        else if (command.StopSession is { } stop)
        {
            await client.PatchSessionAsync(new PatchSessionRequest
            {
                SessionId = stop.SessionId,
                LastUpdated = now,
                Status = SessionStatus.Completed,
                EndDateTime = now,
            }, deadline: CommandContext.Deadline, cancellationToken: ct);
        }
    }
}
