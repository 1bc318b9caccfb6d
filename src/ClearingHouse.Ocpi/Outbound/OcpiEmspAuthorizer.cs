using System.Text.Json;
using System.Text.Json.Nodes;
using ClearingHouse.Application.Tokens;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains.Tokens;
using ClearingHouse.Ocpi.Transport;

namespace ClearingHouse.Ocpi.Outbound;

/// <summary>
/// Real-time authorization at an EMSP's own OCPI platform: <c>POST {tokens}/{uid}/authorize?type=</c> with its TOKEN_B,
/// the CPO as <c>OCPI-from-*</c> and the EMSP as <c>OCPI-to-*</c>, within the time <see cref="AuthorizationCore"/> gives
/// the EMSP (its configured deadline cut to the CPO's). The platform's AuthorizationInfo becomes the same
/// <see cref="MspReply"/> a gRPC channel gives, so the whitelist fallbacks and the record are the core's:
/// no whole answer in time is Timeout; unreachable, an HTTP or OCPI error, or an answer the hub does not trust is
/// NoChannel; 2004 (the platform does not know the token) is the platform's NOT_ALLOWED.
/// </summary>
internal sealed class OcpiEmspAuthorizer(OcpiPartnerLink emsp, string tokensUrl, OcpiPartnerHttp http) : IRemoteMspAuthorizer
{
    private const int MaxInfoText = 512;

    /// <inheritdoc />
    public async Task<MspReply> AskAsync(MspAsk ask, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ask);
        var call = new OcpiPartnerCall(HttpMethod.Post, OcpiUrls.Join(tokensUrl, $"{Uri.EscapeDataString(ask.Token.Uid)}/authorize?type={OcpiFields.Name(ask.Token.Type)}"), emsp.TokenB, "authorize")
        {
            Body = ask.LocationId is null ? null : LocationJson(ask),
            From = ask.Cpo,
            To = emsp.Party,
            CorrelationId = OcpiCorrelation.Current,
            Timeout = ask.Timeout,
        };
        OcpiPartnerAnswer answer;
        try
        {
            answer = await http.SendAsync(call, cancellationToken);
        }
        catch (OcpiPartnerCallException ex)
        {
            return ex.Failure == OcpiPartnerFailure.Timeout ? MspReply.Timeout : MspReply.NoChannel;
        }

        if (answer.StatusCode == OcpiStatus.UnknownToken)
        {
            return new MspReply { Kind = MspOutcomeKind.Answered, Allowed = AllowedType.NotAllowed, InfoLanguage = "en", InfoText = "Unknown token" };
        }

        if (!answer.Succeeded || answer.Data is not JsonObject info
            || Text(info["allowed"]) is not { } allowedText || !OcpiFields.TryEnum<AllowedType>(allowedText, out var allowed))
        {
            return MspReply.NoChannel;
        }

        // The platform's display text, when it is well formed; else none (the decision stands).
        var display = info["info"] as JsonObject;
        var language = Text(display?["language"]);
        var text = Text(display?["text"]);
        var shown = language is { Length: 2 } && text is { Length: <= MaxInfoText };
        return new MspReply
        {
            Kind = MspOutcomeKind.Answered,
            Allowed = allowed,
            InfoLanguage = shown ? language : null,
            InfoText = shown ? text : null,
        };
    }

    private static string LocationJson(MspAsk ask) => new JsonObject
    {
        ["location_id"] = ask.LocationId,
        ["evse_uids"] = ask.EvseUids.Count == 0 ? null : new JsonArray([.. ask.EvseUids.Select(e => JsonValue.Create(e))]),
    }.ToJsonString(OcpiJson.Options);

    private static string? Text(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String ? (string?)node : null;
}
