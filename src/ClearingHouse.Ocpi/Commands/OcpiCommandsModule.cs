using ClearingHouse.Application.Commands;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains.Commands;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Options;
using ClearingHouse.Grains.Parties;
using ClearingHouse.Ocpi.Outbound;
using ClearingHouse.Ocpi.Tokens;
using ClearingHouse.Ocpi.Transport;
using ClearingHouse.Ocpi.Versions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Ocpi.Commands;

/// <summary>
/// The commands module, receiver interface (an EMSP sends): <c>POST /ocpi/2.2.1/commands/{command}</c> with the CPO
/// named by <c>OCPI-to-country-code</c>/<c>OCPI-to-party-id</c>. The command goes through <see cref="CommandFlow"/>, as
/// a gRPC EMSP's does (checks, agreement, record, the CPO's channel, its answer or TIMEOUT/NO_CHANNEL); the CPO's answer
/// is the CommandResponse. For an ACCEPTED command the EMSP's <c>response_url</c> is stored in its durable outbox,
/// which POSTs the CommandResult when the CPO reports it, or TIMEOUT when none comes.
/// </summary>
public static class OcpiCommandsModule
{
    /// <summary>The receiver interface's path (EMSPs send commands).</summary>
    public const string ReceiverPath = OcpiVersions.VersionPath + "/commands";

    /// <summary>
    /// Where a CPO on OCPI posts the CommandResult of a command the hub sent it (the <c>response_url</c> the hub gives):
    /// <c>{ResultPath}/{command id}</c>.
    /// </summary>
    public const string ResultPath = ReceiverPath + "/results";

    // The results watch gives up a minute after the longest result wait the hub allows (the command's grain records
    // TIMEOUT at its own deadline first).
    private static readonly TimeSpan WatchMargin = TimeSpan.FromMinutes(1);

    private static readonly string[] Responses = ["", "NOT_SUPPORTED", "REJECTED", "ACCEPTED", "UNKNOWN_SESSION"];

    /// <summary>Maps the receiver interface.</summary>
    public static RouteGroupBuilder MapOcpiCommands(this RouteGroupBuilder ocpi)
    {
        ocpi.MapPost(ReceiverPath["/ocpi".Length..] + "/{command}", async (
            HttpContext context, string command, CommandFlow flow, PartyDirectory parties, OcpiPartnerHttp http, IGrainFactory grains,
            IOptions<CommandsOptions> options, OcpiResults results) =>
        {
            var caller = context.Ocpi().Caller;
            if (!OcpiFields.TryEnum<CommandKind>(command, out var kind))
            {
                throw new HubException(HubErrorCode.InvalidArgument, $"command: unknown value '{(command.Length > 40 ? command[..40] : command)}'", "command");
            }

            var cpo = await TargetCpoAsync(context.Request, parties);
            var body = await OcpiBody.ReadAsync<CommandJson>(context.Request);
            var responseUrl = OcpiFields.Text(body.ResponseUrl, "response_url", 255);
            if (!http.IsAllowed(responseUrl))
            {
                throw new HubException(HubErrorCode.InvalidArgument, "response_url must be an absolute https URL the hub may call", "response_url");
            }

            var sent = await flow.SendAsync(caller.Identity, cpo, kind, ToBody(kind, body, caller.Party), DateTime.MaxValue);
            var reply = sent.Reply;
            var o = options.Value;
            var resultWait = reply.TimeoutSeconds > 0 ? TimeSpan.FromSeconds(reply.TimeoutSeconds) : o.DefaultResultTimeout;
            if (reply.Delivery == CommandDeliveryKind.Answered && reply.Response == CommandFlow.AcceptedResponse)
            {
                // Stored before the EMSP hears ACCEPTED: the result (or TIMEOUT) reaches its response_url even across a restart.
                await grains.GetGrain<IOcpiOutboxGrain>(caller.Party.ToString()).WatchCommand(new OcpiCommandWatch
                {
                    CommandId = sent.CommandId,
                    ResponseUrl = responseUrl,
                    Cpo = cpo,
                    GiveUpAt = DateTimeOffset.UtcNow + (resultWait > o.MaxResultTimeout ? o.MaxResultTimeout : resultWait) + WatchMargin,
                });
            }

            return results.Ok(Response(reply, resultWait));
        }).WithMetadata(RoutesToNamedPartyMetadata.Instance);

        // A CPO on OCPI reports the result of a command the hub relayed to it; the EMSP gets it as from a channel.
        ocpi.MapPost(ResultPath["/ocpi".Length..] + "/{commandId}", async (HttpContext context, string commandId, CommandFlow flow, OcpiResults results) =>
        {
            var body = await OcpiBody.ReadAsync<CommandResultJson>(context.Request);
            var result = OcpiFields.Enum<OcpiCommandResult>(body.Result, "result");
            var message = body.Message is [{ } first, ..] ? new CommandText(OcpiFields.Text(first.Language, "message[0].language", 2), OcpiFields.Text(first.Text, "message[0].text", CommandFlow.MaxTextLength)) : null;
            await flow.ReportResultAsync(context.Ocpi().Caller.Identity, commandId, (int)result, message);
            return results.Ok(null);
        });
        return ocpi;
    }

    // The CPO the command is for: OCPI-to-* are required here (the hub routes by them) and must name a CPO the hub knows.
    internal static async Task<PartyKey> TargetCpoAsync(HttpRequest request, PartyDirectory parties)
    {
        var country = request.Headers["OCPI-to-country-code"].ToString();
        var partyId = request.Headers["OCPI-to-party-id"].ToString();
        if (country.Length == 0 || partyId.Length == 0)
        {
            throw new HubException(HubErrorCode.InvalidArgument, "OCPI-to-country-code and OCPI-to-party-id must name the CPO the command is for", "OCPI-to-party-id");
        }

        var cpo = new PartyKey(country.ToUpperInvariant(), partyId.ToUpperInvariant(), PartyRole.Cpo);
        return (await parties.GetAsync()).GetParty(cpo) is null
            ? throw new OcpiException(StatusCodes.Status404NotFound, OcpiStatus.UnknownReceiver, $"the hub knows no CPO {cpo.CountryCode}/{cpo.PartyId}")
            : cpo;
    }

    private static CommandBody ToBody(CommandKind kind, CommandJson body, PartyKey emsp) => kind switch
    {
        CommandKind.StartSession or CommandKind.ReserveNow => new CommandBody
        {
            Token = Token(body.Token, emsp),
            LocationId = body.LocationId,
            EvseUid = body.EvseUid,
            ConnectorId = body.ConnectorId,
            AuthorizationReference = body.AuthorizationReference,
            ReservationId = body.ReservationId,
            ExpiryDate = body.ExpiryDate,
        },
        CommandKind.StopSession => new CommandBody { SessionId = body.SessionId },
        CommandKind.CancelReservation => new CommandBody { ReservationId = body.ReservationId },
        _ => new CommandBody { LocationId = body.LocationId, EvseUid = body.EvseUid, ConnectorId = body.ConnectorId },
    };

    // The token as OCPI's Token object; a token the EMSP never pushed is fine (app and ad hoc users), its owner is checked by the core.
    private static Grains.Tokens.TokenRecord? Token(OcpiTokensModule.OcpiToken? token, PartyKey emsp)
    {
        if (token is null)
        {
            return null;
        }

        var uid = OcpiFields.Text(token.Uid, "token.uid", 36);
        var type = OcpiFields.Enum<TokenType>(token.Type, "token.type");
        return OcpiTokensModule.ToRecord(token, emsp, uid, type, DateTimeOffset.UtcNow);
    }

    private static CommandResponseJson Response(CommandReply reply, TimeSpan resultWait)
    {
        var seconds = (int)Math.Ceiling(resultWait.TotalSeconds);
        return reply.Delivery switch
        {
            CommandDeliveryKind.Answered => new CommandResponseJson(
                Responses[reply.Response is >= 1 and <= 4 ? reply.Response : 2], seconds,
                reply.Message is { } m ? [new DisplayTextJson(m.Language, m.Text)] : null),
            // OCPI has no CommandResponseType for a CPO the hub could not reach: REJECTED, saying why.
            CommandDeliveryKind.NoChannel => new CommandResponseJson("REJECTED", seconds, [new DisplayTextJson("en", "The CPO is not connected to the hub")]),
            _ => new CommandResponseJson("REJECTED", seconds, [new DisplayTextJson("en", "The CPO did not answer in time")]),
        };
    }

    /// <summary>Any of OCPI's five command objects (each sets its own fields).</summary>
    internal sealed record CommandJson(
        string? ResponseUrl, OcpiTokensModule.OcpiToken? Token, string? LocationId, string? EvseUid, string? ConnectorId,
        string? AuthorizationReference, string? SessionId, string? ReservationId, DateTimeOffset? ExpiryDate);

    /// <summary>OCPI CommandResponse.</summary>
    internal sealed record CommandResponseJson(string Result, int Timeout, IReadOnlyList<DisplayTextJson>? Message);

    /// <summary>OCPI DisplayText.</summary>
    internal sealed record DisplayTextJson(string Language, string Text);

    /// <summary>OCPI CommandResult as a CPO posts it.</summary>
    internal sealed record CommandResultJson(string? Result, IReadOnlyList<DisplayTextInJson?>? Message);

    /// <summary>OCPI DisplayText as received.</summary>
    internal sealed record DisplayTextInJson(string? Language, string? Text);
}
