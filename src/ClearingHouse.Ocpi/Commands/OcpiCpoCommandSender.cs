using System.Text.Json;
using System.Text.Json.Nodes;
using ClearingHouse.Application.Commands;
using ClearingHouse.Grains.Commands;
using ClearingHouse.Ocpi.Outbound;
using ClearingHouse.Ocpi.Tokens;
using ClearingHouse.Ocpi.Transport;

namespace ClearingHouse.Ocpi.Commands;

/// <summary>
/// A command to a CPO's own OCPI platform: <c>POST {commands}/{COMMAND}</c> with its TOKEN_B, the EMSP as
/// <c>OCPI-from-*</c>, and the hub's own <c>response_url</c> (<see cref="OcpiCommandsModule.ResultPath"/>), where the
/// CPO later posts the CommandResult. The CommandResponse becomes the same <see cref="CommandReply"/> a command channel
/// gives: no whole answer in time is Timeout; unreachable, an error or an answer the hub does not trust is NoChannel.
/// </summary>
internal sealed class OcpiCpoCommandSender(OcpiPartnerLink cpo, string commandsUrl, string hubResultsUrl, OcpiPartnerHttp http) : IRemoteCommandSender
{
    private static readonly string[] Responses = ["", "NOT_SUPPORTED", "REJECTED", "ACCEPTED", "UNKNOWN_SESSION"];

    /// <inheritdoc />
    public async Task<CommandReply> SendAsync(CommandAsk ask)
    {
        ArgumentNullException.ThrowIfNull(ask);
        var call = new OcpiPartnerCall(HttpMethod.Post, OcpiUrls.Join(commandsUrl, OcpiFields.Name(ask.Kind)), cpo.TokenB, "command")
        {
            Body = Body(ask),
            From = ask.Emsp,
            To = cpo.Party,
            CorrelationId = OcpiCorrelation.Current,
            Timeout = ask.Timeout,
        };
        OcpiPartnerAnswer answer;
        try
        {
            answer = await http.SendAsync(call, CancellationToken.None);
        }
        catch (OcpiPartnerCallException ex)
        {
            return ex.Failure == OcpiPartnerFailure.Timeout ? CommandReply.Timeout : CommandReply.NoChannel;
        }

        if (!answer.Succeeded || answer.Data is not JsonObject response
            || Text(response["result"]) is not { } result || Array.IndexOf(Responses, result) is var code && code < 1)
        {
            return CommandReply.NoChannel;
        }

        var timeout = response["timeout"]?.GetValueKind() == JsonValueKind.Number && response["timeout"]!.GetValue<double>() is var t && t is >= 0 and <= 86_400 ? (int)t : 0;
        var first = (response["message"] as JsonArray)?.FirstOrDefault() as JsonObject;
        var message = Text(first?["language"]) is { Length: 2 } language && Text(first?["text"]) is { Length: <= CommandFlow.MaxTextLength } text
            ? new CommandText(language, text) : null;
        return new CommandReply { Delivery = CommandDeliveryKind.Answered, Response = code, TimeoutSeconds = timeout, Message = message };
    }

    private string Body(CommandAsk ask)
    {
        var b = ask.Body;
        var json = new JsonObject { ["response_url"] = OcpiUrls.Join(hubResultsUrl, ask.CommandId) };
        if (b.Token is { } token)
        {
            json["token"] = JsonSerializer.SerializeToNode(OcpiTokensModule.ToOcpi(token), OcpiJson.Options);
        }

        json["expiry_date"] = b.ExpiryDate is { } expiry ? JsonSerializer.SerializeToNode(expiry, OcpiJson.Options) : null;
        json["reservation_id"] = b.ReservationId;
        json["session_id"] = b.SessionId;
        json["location_id"] = b.LocationId;
        json["evse_uid"] = b.EvseUid;
        json["connector_id"] = b.ConnectorId;
        json["authorization_reference"] = b.AuthorizationReference;
        foreach (var empty in json.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            json.Remove(empty);
        }

        return json.ToJsonString(OcpiJson.Options);
    }

    private static string? Text(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String ? (string?)node : null;
}
