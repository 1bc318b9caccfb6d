using System.CommandLine;
using ClearingHouse.Cli.Output;
using ClearingHouse.Contracts.V1;
using Grpc.Core;

namespace ClearingHouse.Cli.Commands;

/// <summary><c>commands start|stop|reserve|cancel|unlock|get|results</c>: an EMSP's remote commands to a CPO.</summary>
public static class CommandsCommands
{
    /// <summary>Builds the <c>commands</c> command group.</summary>
    public static Command Create(CommandContext ctx)
    {
        var commands = new Command("commands", "Remote commands to a CPO (OCPI Commands module), for EMSPs");

        var startCpo = CpoOption();
        var uid = new Option<string>("--uid") { Description = "Your token's uid", Required = true };
        var type = TokensCommands.TypeOption();
        var location = new Option<string>("--location") { Description = "Location id", Required = true };
        var evse = new Option<string?>("--evse") { Description = "EVSE uid (optional)" };
        var connector = new Option<string?>("--connector") { Description = "Connector id (optional)" };
        var start = new Command("start", "START_SESSION for one of your tokens") { startCpo, uid, type, location, evse, connector };
        start.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var me = await SessionsCommands.CallerAsync(channel, ct);
            var token = CommandToken(me, r.GetValue(uid)!, r.GetValue(type)!);
            var response = await new CommandService.CommandServiceClient(channel).StartSessionAsync(
                new StartSessionRequest
                {
                    Cpo = CommandContext.ParseParty(r.GetValue(startCpo)!, "--cpo"),
                    Command = new StartSession { Token = token, LocationId = r.GetValue(location)!, EvseUid = r.GetValue(evse) ?? "", ConnectorId = r.GetValue(connector) ?? "" },
                },
                deadline: CommandContext.Deadline,
                cancellationToken: ct);
            PrintResponse(ctx.Printer(r), response, response.CommandId, response.Delivery, response.Response);
            return 0;
        });

        var stopCpo = CpoOption();
        var session = new Option<string>("--session") { Description = "The CPO's session id", Required = true };
        var stop = new Command("stop", "STOP_SESSION of one of your sessions") { stopCpo, session };
        stop.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var response = await new CommandService.CommandServiceClient(channel).StopSessionAsync(
                new StopSessionRequest { Cpo = CommandContext.ParseParty(r.GetValue(stopCpo)!, "--cpo"), Command = new StopSession { SessionId = r.GetValue(session)! } },
                deadline: CommandContext.Deadline,
                cancellationToken: ct);
            PrintResponse(ctx.Printer(r), response, response.CommandId, response.Delivery, response.Response);
            return 0;
        });

        var unlockCpo = CpoOption();
        var unlockLocation = new Option<string>("--location") { Description = "Location id", Required = true };
        var unlockEvse = new Option<string>("--evse") { Description = "EVSE uid", Required = true };
        var unlockConnector = new Option<string>("--connector") { Description = "Connector id", Required = true };
        var unlock = new Command("unlock", "UNLOCK_CONNECTOR") { unlockCpo, unlockLocation, unlockEvse, unlockConnector };
        unlock.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var response = await new CommandService.CommandServiceClient(channel).UnlockConnectorAsync(
                new UnlockConnectorRequest
                {
                    Cpo = CommandContext.ParseParty(r.GetValue(unlockCpo)!, "--cpo"),
                    Command = new UnlockConnector { LocationId = r.GetValue(unlockLocation)!, EvseUid = r.GetValue(unlockEvse)!, ConnectorId = r.GetValue(unlockConnector)! },
                },
                deadline: CommandContext.Deadline,
                cancellationToken: ct);
            PrintResponse(ctx.Printer(r), response, response.CommandId, response.Delivery, response.Response);
            return 0;
        });

        var reserveCpo = CpoOption();
        var reserveUid = new Option<string>("--uid") { Description = "Your token's uid", Required = true };
        var reserveType = TokensCommands.TypeOption();
        var reservation = new Option<string>("--reservation") { Description = "Your reservation id (also used to cancel it)", Required = true };
        var reserveLocation = new Option<string>("--location") { Description = "Location id", Required = true };
        var reserveEvse = new Option<string?>("--evse") { Description = "EVSE uid (optional: any EVSE of the location)" };
        var expiry = new Option<string>("--expiry") { Description = "When the reservation ends (ISO 8601 UTC), or a duration from now such as 15m or 1h", DefaultValueFactory = _ => "15m" };
        var reserve = new Command("reserve", "RESERVE_NOW for one of your tokens") { reserveCpo, reserveUid, reserveType, reservation, reserveLocation, reserveEvse, expiry };
        reserve.SetAction(async (r, ct) =>
        {
            var expiryDate = ParseExpiry(r.GetValue(expiry)!);
            using var channel = ctx.Channel(r);
            var me = await SessionsCommands.CallerAsync(channel, ct);
            var response = await new CommandService.CommandServiceClient(channel).ReserveNowAsync(
                new ReserveNowRequest
                {
                    Cpo = CommandContext.ParseParty(r.GetValue(reserveCpo)!, "--cpo"),
                    Command = new ReserveNow
                    {
                        Token = CommandToken(me, r.GetValue(reserveUid)!, r.GetValue(reserveType)!),
                        ExpiryDate = expiryDate,
                        ReservationId = r.GetValue(reservation)!,
                        LocationId = r.GetValue(reserveLocation)!,
                        EvseUid = r.GetValue(reserveEvse) ?? "",
                    },
                },
                deadline: CommandContext.Deadline,
                cancellationToken: ct);
            PrintResponse(ctx.Printer(r), response, response.CommandId, response.Delivery, response.Response);
            return 0;
        });

        var cancelCpo = CpoOption();
        var cancelReservation = new Option<string>("--reservation") { Description = "The reservation id given to commands reserve", Required = true };
        var cancel = new Command("cancel", "CANCEL_RESERVATION of one of your reservations") { cancelCpo, cancelReservation };
        cancel.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var response = await new CommandService.CommandServiceClient(channel).CancelReservationAsync(
                new CancelReservationRequest { Cpo = CommandContext.ParseParty(r.GetValue(cancelCpo)!, "--cpo"), Command = new CancelReservation { ReservationId = r.GetValue(cancelReservation)! } },
                deadline: CommandContext.Deadline,
                cancellationToken: ct);
            PrintResponse(ctx.Printer(r), response, response.CommandId, response.Delivery, response.Response);
            return 0;
        });

        var id = new Argument<string>("command-id") { Description = "The command id printed when it was sent" };
        var get = new Command("get", "Show a command's response and result") { id };
        get.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var c = (await new CommandService.CommandServiceClient(channel).GetCommandAsync(new GetCommandRequest { CommandId = r.GetValue(id)! }, deadline: CommandContext.Deadline, cancellationToken: ct)).Command;
            ctx.Printer(r).Message(c, Describe(c));
            return 0;
        });

        var count = new Option<int>("--count") { Description = "Stop after this many results (default: until Ctrl+C)" };
        var results = new Command("results", "Follow your command results live") { count };
        results.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            using var call = new CommandService.CommandServiceClient(channel).SubscribeCommandResults(new SubscribeCommandResultsRequest(), cancellationToken: ct);
            var printer = ctx.Printer(r);
            var seen = 0;
            try
            {
                await foreach (var e in call.ResponseStream.ReadAllAsync(ct))
                {
                    printer.Message(e, Describe(e.Command));
                    if (r.GetValue(count) is > 0 and var limit && ++seen >= limit)
                    {
                        break;
                    }
                }
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && ct.IsCancellationRequested)
            {
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }

            return 0;
        });

        foreach (var c in new[] { start, stop, reserve, cancel, unlock, get, results })
        {
            commands.Subcommands.Add(c);
        }

        return commands;
    }

    // The token a command carries: one of the caller's own (the hub checks it against the stored token).
    private static Token CommandToken(PartyRef me, string uid, string type) =>
        new() { CountryCode = me.CountryCode, PartyId = me.PartyId, Uid = uid, Type = TokensCommands.ParseType(type), ContractId = "UNKNOWN", Issuer = "CLI", Valid = true, Whitelist = WhitelistType.Allowed };

    // An instant, or a duration from now: 90s, 15m, 2h.
    private static Google.Protobuf.WellKnownTypes.Timestamp ParseExpiry(string text)
    {
        var unit = text.Length > 1 ? text[^1] : ' ';
        if (unit is 's' or 'm' or 'h' && int.TryParse(text[..^1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var amount))
        {
            var span = unit switch { 's' => TimeSpan.FromSeconds(amount), 'm' => TimeSpan.FromMinutes(amount), _ => TimeSpan.FromHours(amount) };
            return Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow + span);
        }

        return Format.ParseTime(text, "--expiry");
    }

    private static Option<string> CpoOption() => new("--cpo") { Description = "The CPO (NL-ABC-CPO)", Required = true };

    private static (string, string)[] Describe(CommandStatus c) =>
    [
        ("command", $"{c.CommandId} {TokensCommands.Name(c.Type.ToString())}"),
        ("cpo", Format.Party(c.Cpo)),
        ("delivery", TokensCommands.Name(c.Delivery.ToString())),
        ("response", c.Response is null ? "-" : TokensCommands.Name(c.Response.Result.ToString()) + (c.Response.Message is { Text.Length: > 0 } m ? $" ({m.Text})" : "")),
        ("result", c.Result is null ? $"pending (until {Format.Time(c.ResultDeadline)})" : TokensCommands.Name(c.Result.Result.ToString()) + (c.Result.Message is { Text.Length: > 0 } t ? $" ({t.Text})" : "")),
    ];

    private static void PrintResponse(Printer printer, Google.Protobuf.IMessage message, string id, CommandDelivery delivery, CommandResponse? response) =>
        printer.Message(message,
            ("command", id),
            ("delivery", TokensCommands.Name(delivery.ToString())),
            ("response", response is null ? "-" : TokensCommands.Name(response.Result.ToString()) + (response.Message is { Text.Length: > 0 } m ? $" ({m.Text})" : "")),
            ("result in", response is { Result: CommandResponseType.Accepted } ? $"{response.Timeout} s (commands get {id})" : "-"));
}
