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
/// <remarks>
/// Charging profile requests go the same way to the platform's chargingprofiles RECEIVER endpoint
/// (<see cref="ChargingProfiles.OcpiChargingProfiles"/>), with the hub's own response_url for the result.
/// </remarks>
internal sealed class OcpiCpoCommandSender(
    OcpiPartnerLink cpo, string? commandsUrl, string hubResultsUrl, string? profilesUrl, string hubProfileResultsUrl, OcpiPartnerHttp http) : IRemoteCommandSender
{
    // CommandResponseType, and TOO_OFTEN (ChargingProfileResponseType only) after them.
    private static readonly string[] Responses = ["", "NOT_SUPPORTED", "REJECTED", "ACCEPTED", "UNKNOWN_SESSION", "TOO_OFTEN"];

    /// <inheritdoc />
    public bool Serves(CommandKind kind) => CommandFlow.IsChargingProfile(kind) ? profilesUrl is not null : commandsUrl is not null;

    /// <inheritdoc />
    public async Task<CommandReply> SendAsync(CommandAsk ask)
    {
        ArgumentNullException.ThrowIfNull(ask);
        var call = CommandFlow.IsChargingProfile(ask.Kind)
            ? ChargingProfiles.OcpiChargingProfiles.Call(ask, profilesUrl!, OcpiUrls.Join(hubProfileResultsUrl, ask.CommandId), cpo)
            : new OcpiPartnerCall(HttpMethod.Post, OcpiUrls.Join(commandsUrl!, OcpiFields.Name(ask.Kind)), cpo.TokenB, "command") { Body = Body(ask) };
        call = call with
        {
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
            || Text(response["result"]) is not { } result || Array.IndexOf(Responses, result) is var code && code < 1
            || (code == Responses.Length - 1 && !CommandFlow.IsChargingProfile(ask.Kind)))
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
