using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClearingHouse.Application.Commands;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Commands;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Options;
using ClearingHouse.Grains.Parties;
using ClearingHouse.Ocpi.Commands;
using ClearingHouse.Ocpi.Outbound;
using ClearingHouse.Ocpi.Transport;
using ClearingHouse.Ocpi.Versions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Ocpi.ChargingProfiles;

/// <summary>
/// The chargingprofiles module in the hub role. An EMSP calls the hub's RECEIVER interface (<c>PUT</c>, <c>GET</c>,
/// <c>DELETE /ocpi/2.2.1/chargingprofiles/{session_id}</c>, the CPO named by <c>OCPI-to-*</c>); each request is a
/// command of <see cref="CommandFlow"/> (the same record, checks, agreement, route, answer and result path as the
/// commands module): only the EMSP of an ACTIVE session at that CPO may send it. The hub sends it on to the CPO
/// platform's chargingprofiles RECEIVER with its own response_url (<see cref="ResultPath"/>); the CPO's
/// ChargingProfileResponse is the answer, and for an ACCEPTED request the EMSP's response_url goes into its durable
/// outbox, which POSTs the CPO's result there (or REJECTED when none comes in time).
/// </summary>
public static class OcpiChargingProfiles
{
    /// <summary>The receiver interface's path (EMSPs send charging profile requests).</summary>
    public const string ReceiverPath = OcpiVersions.VersionPath + "/chargingprofiles";

    /// <summary>Where a CPO posts the result of a request the hub sent it: <c>{ResultPath}/{command id}</c>.</summary>
    public const string ResultPath = ReceiverPath + "/results";

    // ChargingProfileResponseType by the hub's response wire values (CommandResponseType's, TOO_OFTEN after them).
    private static readonly string[] Responses = ["", "NOT_SUPPORTED", "REJECTED", "ACCEPTED", "UNKNOWN_SESSION", "TOO_OFTEN"];

    // ChargingProfileResultType by the hub's result wire values.
    private static readonly string[] Results = ["", "ACCEPTED", "REJECTED", "UNKNOWN"];

    /// <summary>The result wire value of REJECTED, pushed when the CPO gives no result in time.</summary>
    internal const int RejectedResult = 2;

    private static readonly TimeSpan WatchMargin = TimeSpan.FromMinutes(1);

    /// <summary>Maps the receiver interface and the CPO's result URL.</summary>
    public static RouteGroupBuilder MapOcpiChargingProfiles(this RouteGroupBuilder ocpi)
    {
        var path = ReceiverPath["/ocpi".Length..] + "/{sessionId}";
        ocpi.MapPut(path, async (HttpContext context, string sessionId, [AsParameters] Services s) =>
        {
            var body = await OcpiBody.ReadAsync<SetChargingProfileJson>(context.Request);
            var profile = Profile(OcpiFields.Required(body.ChargingProfile, "charging_profile"), "charging_profile");
            return await SendAsync(context, s, CommandKind.SetChargingProfile, sessionId, body.ResponseUrl,
                new CommandBody { SessionId = sessionId, ChargingProfile = profile.ToJsonString(OcpiJson.Options) });
        }).WithMetadata(RoutesToNamedPartyMetadata.Instance);
        ocpi.MapGet(path, async (HttpContext context, string sessionId, [AsParameters] Services s) =>
        {
            var duration = int.TryParse(context.Request.Query["duration"], NumberStyles.None, CultureInfo.InvariantCulture, out var d) && d > 0
                ? d : throw new HubException(HubErrorCode.InvalidArgument, "duration must be a positive number of seconds", "duration");
            return await SendAsync(context, s, CommandKind.GetActiveChargingProfile, sessionId, context.Request.Query["response_url"],
                new CommandBody { SessionId = sessionId, Duration = duration });
        }).WithMetadata(RoutesToNamedPartyMetadata.Instance);
        ocpi.MapDelete(path, (HttpContext context, string sessionId, [AsParameters] Services s) =>
            SendAsync(context, s, CommandKind.ClearProfile, sessionId, context.Request.Query["response_url"], new CommandBody { SessionId = sessionId }))
            .WithMetadata(RoutesToNamedPartyMetadata.Instance);

        // A CPO on OCPI reports the result of a request the hub relayed to it.
        ocpi.MapPost(ResultPath["/ocpi".Length..] + "/{commandId}", async (HttpContext context, string commandId, CommandFlow flow, OcpiResults results) =>
        {
            var body = await OcpiBody.ReadAsync<ProfileResultJson>(context.Request);
            var resultName = OcpiFields.Text(body.Result, "result", 20);
            var result = Array.IndexOf(Results, resultName);
            if (result < 1)
            {
                throw new HubException(HubErrorCode.InvalidArgument, $"result: unknown value '{resultName}'", "result");
            }

            string? payload = null;
            if (body.Profile is { } active)
            {
                var start = OcpiFields.Required(active.StartDateTime, "profile.start_date_time");
                payload = new JsonObject
                {
                    ["start_date_time"] = JsonSerializer.SerializeToNode(start, OcpiJson.Options),
                    ["charging_profile"] = Profile(OcpiFields.Required(active.ChargingProfile, "profile.charging_profile"), "profile.charging_profile"),
                }.ToJsonString(OcpiJson.Options);
            }

            await flow.ReportResultAsync(context.Ocpi().Caller.Identity, commandId, result, null, payload);
            return results.Ok(null);
        });
        return ocpi;
    }

    /// <summary>The hub's call to a CPO platform's chargingprofiles RECEIVER for <paramref name="ask"/>.</summary>
    internal static OcpiPartnerCall Call(CommandAsk ask, string profilesUrl, string hubResponseUrl, OcpiPartnerLink cpo)
    {
        var session = OcpiUrls.Join(profilesUrl, Uri.EscapeDataString(ask.Body.SessionId!));
        var responseUrl = Uri.EscapeDataString(hubResponseUrl);
        return ask.Kind switch
        {
            CommandKind.SetChargingProfile => new OcpiPartnerCall(HttpMethod.Put, session, cpo.TokenB, "charging profile")
            {
                Body = new JsonObject { ["charging_profile"] = JsonNode.Parse(ask.Body.ChargingProfile!), ["response_url"] = hubResponseUrl }.ToJsonString(OcpiJson.Options),
            },
            CommandKind.GetActiveChargingProfile => new OcpiPartnerCall(HttpMethod.Get,
                string.Create(CultureInfo.InvariantCulture, $"{session}?duration={ask.Body.Duration}&response_url={responseUrl}"), cpo.TokenB, "charging profile"),
            _ => new OcpiPartnerCall(HttpMethod.Delete, $"{session}?response_url={responseUrl}", cpo.TokenB, "charging profile"),
        };
    }

    /// <summary>The body the EMSP's response_url gets for a result of <paramref name="kind"/>.</summary>
    internal static string ResultJson(CommandKind kind, int result, string? payload)
    {
        var json = new JsonObject { ["result"] = Results[result is >= 1 and <= 3 ? result : RejectedResult] };
        if (kind == CommandKind.GetActiveChargingProfile && payload is not null)
        {
            json["profile"] = JsonNode.Parse(payload);
        }

        return json.ToJsonString(OcpiJson.Options);
    }

    private static async Task<IResult> SendAsync(HttpContext context, Services s, CommandKind kind, string sessionId, string? responseUrlText, CommandBody body)
    {
        var caller = context.Ocpi().Caller;
        var cpo = await OcpiCommandsModule.TargetCpoAsync(context.Request, s.Parties);
        var responseUrl = OcpiFields.Text(responseUrlText, "response_url", 255);
        if (s.Http.Refusal(responseUrl) is { } refusal)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"response_url {refusal}", "response_url");
        }

        OcpiFields.Text(sessionId, "session_id", 36);
        var sent = await s.Flow.SendAsync(caller.Identity, cpo, kind, body, DateTime.MaxValue);
        var reply = sent.Reply;
        var o = s.Options.Value;
        var resultWait = reply.TimeoutSeconds > 0 ? TimeSpan.FromSeconds(reply.TimeoutSeconds) : o.DefaultResultTimeout;
        if (reply.Delivery == CommandDeliveryKind.Answered && reply.Response == CommandFlow.AcceptedResponse)
        {
            // Stored before the EMSP hears ACCEPTED: the result reaches its response_url even across a restart.
            await s.Grains.GetGrain<IOcpiOutboxGrain>(caller.Party.ToString()).WatchCommand(new OcpiCommandWatch
            {
                CommandId = sent.CommandId,
                ResponseUrl = responseUrl,
                Cpo = cpo,
                GiveUpAt = DateTimeOffset.UtcNow + (resultWait > o.MaxResultTimeout ? o.MaxResultTimeout : resultWait) + WatchMargin,
                Kind = kind,
            });
        }

        var seconds = (int)Math.Ceiling(resultWait.TotalSeconds);
        // OCPI has no ChargingProfileResponseType for a CPO the hub could not reach: REJECTED (no result follows).
        return s.Results.Ok(reply.Delivery == CommandDeliveryKind.Answered && reply.Response is >= 1 and <= 5
            ? new ProfileResponseJson(Responses[reply.Response], seconds)
            : new ProfileResponseJson("REJECTED", seconds));
    }

    // Every field checked; the profile is forwarded as the hub rebuilt it (only the fields OCPI defines).
    private static JsonObject Profile(ChargingProfileJson profile, string field)
    {
        var unit = OcpiFields.Text(profile.ChargingRateUnit, field + ".charging_rate_unit", 1);
        if (unit is not ("W" or "A"))
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field}.charging_rate_unit: unknown value '{unit}'", field + ".charging_rate_unit");
        }

        if (profile.Duration is < 0)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field}.duration must not be negative", field + ".duration");
        }

        if (profile.MinChargingRate is < 0)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field}.min_charging_rate must not be negative", field + ".min_charging_rate");
        }

        var periods = new JsonArray();
        var list = profile.ChargingProfilePeriod ?? [];
        for (var i = 0; i < list.Count; i++)
        {
            var p = OcpiFields.Required(list[i], $"{field}.charging_profile_period[{i}]");
            var start = OcpiFields.Required(p.StartPeriod, $"{field}.charging_profile_period[{i}].start_period");
            var limit = OcpiFields.Required(p.Limit, $"{field}.charging_profile_period[{i}].limit");
            if (start < 0 || limit < 0)
            {
                throw new HubException(HubErrorCode.InvalidArgument, $"{field}.charging_profile_period[{i}]: start_period and limit must not be negative", $"{field}.charging_profile_period[{i}]");
            }

            periods.Add(new JsonObject { ["start_period"] = start, ["limit"] = limit });
        }

        var json = new JsonObject();
        if (profile.StartDateTime is { } startAt)
        {
            json["start_date_time"] = JsonSerializer.SerializeToNode(startAt, OcpiJson.Options);
        }

        if (profile.Duration is { } duration)
        {
            json["duration"] = duration;
        }

        json["charging_rate_unit"] = unit;
        if (profile.MinChargingRate is { } min)
        {
            json["min_charging_rate"] = min;
        }

        if (periods.Count > 0)
        {
            json["charging_profile_period"] = periods;
        }

        return json;
    }

    /// <summary>What the endpoints need, resolved by the route handler.</summary>
    internal sealed record Services(CommandFlow Flow, PartyDirectory Parties, OcpiPartnerHttp Http, IGrainFactory Grains, IOptions<CommandsOptions> Options, OcpiResults Results);

    /// <summary>OCPI SetChargingProfile.</summary>
    internal sealed record SetChargingProfileJson(ChargingProfileJson? ChargingProfile, string? ResponseUrl);

    /// <summary>OCPI ChargingProfile.</summary>
    internal sealed record ChargingProfileJson(
        DateTimeOffset? StartDateTime, int? Duration, string? ChargingRateUnit, decimal? MinChargingRate, IReadOnlyList<ChargingProfilePeriodJson?>? ChargingProfilePeriod);

    /// <summary>OCPI ChargingProfilePeriod.</summary>
    internal sealed record ChargingProfilePeriodJson(int? StartPeriod, decimal? Limit);

    /// <summary>OCPI ActiveChargingProfile as a CPO sends it.</summary>
    internal sealed record ActiveChargingProfileJson(DateTimeOffset? StartDateTime, ChargingProfileJson? ChargingProfile);

    /// <summary>Any of OCPI's three result objects (ActiveChargingProfileResult, ChargingProfileResult, ClearProfileResult).</summary>
    internal sealed record ProfileResultJson(string? Result, ActiveChargingProfileJson? Profile);

    /// <summary>OCPI ChargingProfileResponse.</summary>
    internal sealed record ProfileResponseJson(string Result, int Timeout);
}
