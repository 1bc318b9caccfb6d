using System.CommandLine;
using System.Globalization;
using ClearingHouse.Cli.Output;
using ClearingHouse.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;

namespace ClearingHouse.Cli.Commands;

/// <summary><c>sessions list|get|watch|stuck|put</c>: EMSPs follow their sessions, operators see stuck ones, CPOs report one.</summary>
public static class SessionsCommands
{
    /// <summary>Builds the <c>sessions</c> command group.</summary>
    public static Command Create(CommandContext ctx)
    {
        var sessions = new Command("sessions", "Charging sessions (OCPI Sessions module)");

        var pageSize = new Option<int>("--page-size") { Description = "Sessions per page (default 100)" };
        var pageToken = new Option<string?>("--page-token") { Description = "The next_page_token of the previous page" };
        var since = new Option<string?>("--since") { Description = "Only sessions updated at or after this UTC time (2026-01-31T12:00:00Z)" };
        var list = new Command("list", "List your sessions (EMSP), oldest last_updated first") { pageSize, pageToken, since };
        list.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var request = new ListSessionsRequest { Page = new PageRequest { PageSize = r.GetValue(pageSize), PageToken = r.GetValue(pageToken) ?? "" } };
            if (r.GetValue(since) is { } s)
            {
                request.UpdatedSince = Format.ParseTime(s, "--since");
            }

            var response = await new SessionService.SessionServiceClient(channel).ListSessionsAsync(request, deadline: CommandContext.Deadline, cancellationToken: ct);
            var printer = ctx.Printer(r);
            printer.Table(response, response.Sessions, ["CPO", "ID", "STATUS", "KWH", "TOKEN", "LOCATION", "LAST UPDATED", "STUCK"], Row);
            if (response.Page.NextPageToken.Length > 0)
            {
                printer.Line($"next page: --page-token {response.Page.NextPageToken}");
            }

            return 0;
        });

        var cpo = new Option<string>("--cpo") { Description = "The CPO running the session (NL-ABC-CPO)", Required = true };
        var id = new Option<string>("--id") { Description = "The CPO's session id", Required = true };
        var get = new Command("get", "Show one session (yours as EMSP or CPO; any for the operator)") { cpo, id };
        get.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var response = await new SessionService.SessionServiceClient(channel).GetSessionAsync(
                new GetSessionRequest { Cpo = CommandContext.ParseParty(r.GetValue(cpo)!, "--cpo"), SessionId = r.GetValue(id)! },
                deadline: CommandContext.Deadline,
                cancellationToken: ct);
            PrintSession(ctx.Printer(r), response, response.Session);
            return 0;
        });

        var cursor = new Option<string?>("--cursor") { Description = "Resume after this cursor (printed with each event)" };
        var fromStart = new Option<bool>("--from-start") { Description = "Replay all your sessions first" };
        var count = new Option<int>("--count") { Description = "Stop after this many events (default: until Ctrl+C)" };
        var watch = new Command("watch", "Follow your session changes live (EMSP); resumable with --cursor") { cursor, fromStart, count };
        watch.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            using var call = new SessionService.SessionServiceClient(channel).SubscribeSessions(
                new SubscribeSessionsRequest { Cursor = r.GetValue(cursor) ?? "", FromStart = r.GetValue(fromStart) },
                cancellationToken: ct);
            var printer = ctx.Printer(r);
            var limit = r.GetValue(count);
            var seen = 0;
            try
            {
                await foreach (var e in call.ResponseStream.ReadAllAsync(ct))
                {
                    var s = e.Session;
                    if (printer.Json)
                    {
                        printer.Message(e);
                    }
                    else
                    {
                        printer.Line($"cursor {e.Cursor}  {Format.Party(new PartyRef { CountryCode = s.CountryCode, PartyId = s.PartyId, Role = PartyRole.Cpo })} {s.Id} {TokensCommands.Name(s.Status.ToString())} {s.Kwh.ToString(CultureInfo.InvariantCulture)} kWh at {s.LocationId}/{s.EvseUid} (updated {Format.Time(s.LastUpdated)})");
                    }

                    if (limit > 0 && ++seen >= limit)
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

        var stuckPageSize = new Option<int>("--page-size") { Description = "Sessions per page (default 100)" };
        var stuckPageToken = new Option<string?>("--page-token") { Description = "The next_page_token of the previous page" };
        var stuck = new Command("stuck", "Operator: sessions PENDING or ACTIVE with no update for Sessions:StuckAfter") { stuckPageSize, stuckPageToken };
        stuck.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var response = await new SessionService.SessionServiceClient(channel).ListStuckSessionsAsync(
                new ListStuckSessionsRequest { Page = new PageRequest { PageSize = r.GetValue(stuckPageSize), PageToken = r.GetValue(stuckPageToken) ?? "" } },
                deadline: CommandContext.Deadline,
                cancellationToken: ct);
            ctx.Printer(r).Table(response, response.Sessions, ["CPO", "ID", "STATUS", "EMSP", "SILENT FOR", "LAST RECEIVED"], s =>
            [
                $"{s.Session.CountryCode}-{s.Session.PartyId}", s.Session.Id, TokensCommands.Name(s.Session.Status.ToString()), Format.Party(s.Session.Emsp),
                s.SilentFor.ToTimeSpan().ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture), Format.Time(s.Session.ReceivedAt),
            ]);
            return 0;
        });

        sessions.AddAll(ctx, list, get, watch, stuck);
        return sessions;
    }

    private static void AddAll(this Command group, CommandContext ctx, params Command[] commands)
    {
        foreach (var command in commands)
        {
            group.Subcommands.Add(command);
        }

        group.Subcommands.Add(CreatePut(ctx));
    }

    private static Command CreatePut(CommandContext ctx)
    {
        var id = new Option<string>("--id") { Description = "Your session id", Required = true };
        var emsp = new Option<string>("--emsp") { Description = "The token's EMSP (DE-XYZ-EMSP)", Required = true };
        var uid = new Option<string>("--uid") { Description = "The token uid", Required = true };
        var type = TokensCommands.TypeOption();
        var contract = new Option<string>("--contract-id") { Description = "The contract id", DefaultValueFactory = _ => "UNKNOWN" };
        var status = new Option<string>("--status") { Description = "PENDING, ACTIVE, COMPLETED, INVALID or RESERVATION", DefaultValueFactory = _ => "ACTIVE" };
        var kwh = new Option<double>("--kwh") { Description = "Energy so far, kWh" };
        var location = new Option<string>("--location") { Description = "Location id", DefaultValueFactory = _ => "LOC1" };
        var evse = new Option<string>("--evse") { Description = "EVSE uid", DefaultValueFactory = _ => "E1" };
        var connector = new Option<string>("--connector") { Description = "Connector id", DefaultValueFactory = _ => "1" };
        var start = new Option<string?>("--start") { Description = "Start time, UTC (default: now)" };
        var end = new Option<string?>("--end") { Description = "End time, UTC" };
        var reference = new Option<string?>("--authorization-reference") { Description = "The authorization_reference from authorize" };
        var put = new Command("put", "Report a session as its CPO (OCPI PUT; last_updated is now)") { id, emsp, uid, type, contract, status, kwh, location, evse, connector, start, end, reference };
        put.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var me = await CallerAsync(channel, ct);
            var token = CommandContext.ParseParty(r.GetValue(emsp)!, "--emsp");
            var session = new Session
            {
                CountryCode = me.CountryCode,
                PartyId = me.PartyId,
                Id = r.GetValue(id)!,
                StartDateTime = r.GetValue(start) is { } s ? Format.ParseTime(s, "--start") : Timestamp.FromDateTime(DateTime.UtcNow),
                Kwh = r.GetValue(kwh),
                CdrToken = new CdrToken { CountryCode = token.CountryCode, PartyId = token.PartyId, Uid = r.GetValue(uid)!, Type = TokensCommands.ParseType(r.GetValue(type)!), ContractId = r.GetValue(contract)! },
                AuthMethod = r.GetValue(reference) is null ? AuthMethod.Whitelist : AuthMethod.AuthRequest,
                AuthorizationReference = r.GetValue(reference) ?? "",
                LocationId = r.GetValue(location)!,
                EvseUid = r.GetValue(evse)!,
                ConnectorId = r.GetValue(connector)!,
                Currency = "EUR",
                Status = ParseStatus(r.GetValue(status)!),
                LastUpdated = Timestamp.FromDateTime(DateTime.UtcNow),
            };
            if (r.GetValue(end) is { } e)
            {
                session.EndDateTime = Format.ParseTime(e, "--end");
            }

            var response = await new SessionService.SessionServiceClient(channel).PutSessionAsync(new PutSessionRequest { Session = session }, deadline: CommandContext.Deadline, cancellationToken: ct);
            PrintSession(ctx.Printer(r), response, response.Session, TokensCommands.Name(response.Result.ToString()));
            return 0;
        });
        return put;
    }

    internal static SessionStatus ParseStatus(string text) => text.Trim().ToUpperInvariant() switch
    {
        "PENDING" => SessionStatus.Pending,
        "ACTIVE" => SessionStatus.Active,
        "COMPLETED" => SessionStatus.Completed,
        "INVALID" => SessionStatus.Invalid,
        "RESERVATION" => SessionStatus.Reservation,
        _ => throw new UsageException($"status '{text}' is not PENDING, ACTIVE, COMPLETED, INVALID or RESERVATION"),
    };

    internal static async Task<PartyRef> CallerAsync(GrpcChannel channel, CancellationToken ct)
    {
        var me = await new IdentityService.IdentityServiceClient(channel).WhoAmIAsync(new WhoAmIRequest(), deadline: CommandContext.Deadline, cancellationToken: ct);
        return me.Party ?? throw new UsageException("this command needs a party's credential, not the operator's");
    }

    private static string[] Row(Session s) =>
    [
        $"{s.CountryCode}-{s.PartyId}", s.Id, TokensCommands.Name(s.Status.ToString()), s.Kwh.ToString(CultureInfo.InvariantCulture),
        s.CdrToken.Uid, $"{s.LocationId}/{s.EvseUid}/{s.ConnectorId}", Format.Time(s.LastUpdated), s.Stuck ? "yes" : "",
    ];

    private static void PrintSession(Printer printer, Google.Protobuf.IMessage response, Session s, string? result = null)
    {
        var fields = new List<(string, string)>();
        if (result is not null)
        {
            fields.Add(("result", result));
        }

        fields.AddRange(
        [
            ("session", $"{s.CountryCode}-{s.PartyId} {s.Id}"),
            ("status", TokensCommands.Name(s.Status.ToString()) + (s.Stuck ? " (stuck)" : "")),
            ("kwh", s.Kwh.ToString(CultureInfo.InvariantCulture)),
            ("token", $"{s.CdrToken.CountryCode}-{s.CdrToken.PartyId} {s.CdrToken.Uid} ({TokensCommands.Name(s.CdrToken.Type.ToString())})"),
            ("emsp", Format.Party(s.Emsp)),
            ("where", $"{s.LocationId} / {s.EvseUid} / {s.ConnectorId}"),
            ("start", Format.Time(s.StartDateTime)),
            ("end", Format.Time(s.EndDateTime)),
            ("authorization", s.AuthorizationReference.Length == 0 ? "-" : $"{s.AuthorizationReference} ({(s.AuthorizationRecorded ? "recorded by the hub" : "not recorded by the hub")})"),
            ("last updated", Format.Time(s.LastUpdated)),
            ("received", Format.Time(s.ReceivedAt)),
        ]);
        printer.Message(response, [.. fields]);
    }
}
