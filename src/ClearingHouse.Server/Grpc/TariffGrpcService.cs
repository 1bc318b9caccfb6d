using System.Text.Json;
using System.Text.Json.Serialization;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tariffs;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Grains.Parties;
using ClearingHouse.Grains.Tariffs;
using ClearingHouse.Server.Identity;
using Grpc.Core;
using PartyRole = ClearingHouse.Domain.Parties.PartyRole;
using Tariff = ClearingHouse.Domain.Tariffs.Tariff;

namespace ClearingHouse.Server.Grpc;

/// <summary>Tariffs of CPOs, read by their agreement partners (see tariffs.proto).</summary>
public sealed partial class TariffGrpcService(
    IGrainFactory grains,
    PartyDirectory directory,
    TariffCatalog catalog,
    HubClock clock,
    ILogger<TariffGrpcService> logger) : TariffService.TariffServiceBase
{
    private static readonly JsonSerializerOptions StoredJson = new(OcpiJson.Options) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <inheritdoc />
    public override async Task<PutTariffResponse> PutTariff(PutTariffRequest request, ServerCallContext context)
    {
        var cpo = context.GetCaller().RequireParty(PartyRole.Cpo);
        var tariff = ParseTariff(request.OcpiJson, "ocpi_json");
        if (tariff.CountryCode.Length > 0 && tariff.CountryCode != cpo.CountryCode)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"country_code '{tariff.CountryCode}' is not the caller's ({cpo.CountryCode})", "country_code");
        }

        if (tariff.PartyId.Length > 0 && tariff.PartyId != cpo.PartyId)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"party_id '{tariff.PartyId}' is not the caller's ({cpo.PartyId})", "party_id");
        }

        var errors = TariffValidator.Validate(tariff);
        if (errors.Count > 0)
        {
            throw new HubException(HubErrorCode.InvalidArgument, PricingMapping.Describe(errors.Select(e => (e.Field, e.Message))), errors[0].Field);
        }

        var normalised = tariff with { CountryCode = cpo.CountryCode, PartyId = cpo.PartyId, LastUpdated = tariff.LastUpdated ?? clock.UtcNow };
        var record = new TariffRecord
        {
            Id = normalised.Id,
            Currency = normalised.Currency,
            LastUpdated = normalised.LastUpdated!.Value,
            OcpiJson = JsonSerializer.Serialize(normalised, StoredJson),
        };
        var result = await Grain(cpo).Put(record);
        catalog.Invalidate(cpo);
        LogTariffPut(logger, cpo.ToString(), record.Id, result.Created);
        return new PutTariffResponse { Tariff = result.Tariff.ToProto(cpo), Created = result.Created };
    }

    /// <inheritdoc />
    public override async Task<DeleteTariffResponse> DeleteTariff(DeleteTariffRequest request, ServerCallContext context)
    {
        var cpo = context.GetCaller().RequireParty(PartyRole.Cpo);
        RequireTariffId(request.TariffId);
        if (!await Grain(cpo).Delete(request.TariffId))
        {
            throw new HubException(HubErrorCode.NotFound, $"{cpo} has no tariff '{request.TariffId}'");
        }

        catalog.Invalidate(cpo);
        LogTariffDeleted(logger, cpo.ToString(), request.TariffId);
        return new DeleteTariffResponse();
    }

    /// <inheritdoc />
    public override async Task<GetTariffResponse> GetTariff(GetTariffRequest request, ServerCallContext context)
    {
        var cpo = await ResolveReadableCpoAsync(request.Cpo, context);
        RequireTariffId(request.TariffId);
        var tariff = await Grain(cpo).Get(request.TariffId)
            ?? throw new HubException(HubErrorCode.NotFound, $"{cpo} has no tariff '{request.TariffId}'");
        return new GetTariffResponse { Tariff = tariff.ToProto(cpo) };
    }

    /// <inheritdoc />
    public override async Task<ListTariffsResponse> ListTariffs(ListTariffsRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var size = ProtoMapping.PageSize(request.Page);
        (PartyKey Cpo, string Id)? after = null;
        if (ProtoMapping.DecodePageToken(request.Page) is { } position)
        {
            var parts = position.Split('|', 2);
            after = parts.Length == 2 && PartyKey.TryParse(parts[0], out var k)
                ? (k.Value, parts[1])
                : throw new HubException(HubErrorCode.InvalidArgument, "page.page_token is not a token this hub returned", "page.page_token");
        }

        var view = await directory.GetAsync();
        var now = clock.UtcNow;
        IEnumerable<PartyKey> cpos;
        if (request.Cpo is not null)
        {
            cpos = [await ResolveReadableCpoAsync(request.Cpo, context)];
        }
        else if (caller.IsOperator)
        {
            cpos = view.Snapshot.Parties.Where(p => p.Key.Role == PartyRole.Cpo).Select(p => p.Key);
        }
        else if (caller.Party!.Value.Role == PartyRole.Cpo)
        {
            cpos = [caller.Party.Value];
        }
        else
        {
            var emsp = caller.Party.Value;
            cpos = view.Snapshot.Agreements.Where(a => a.Emsp == emsp && view.IsAgreementActive(a.Cpo, emsp, now)).Select(a => a.Cpo);
        }

        var response = new ListTariffsResponse { Page = new PageInfo() };
        foreach (var cpo in cpos.Where(c => after is not { } a || c >= a.Cpo).Order())
        {
            var set = await Grain(cpo).GetSet(0);
            foreach (var tariff in set!.Tariffs)
            {
                if (after is { } a && cpo == a.Cpo && string.CompareOrdinal(tariff.Id, a.Id) <= 0)
                {
                    continue;
                }

                if (response.Tariffs.Count == size)
                {
                    var last = response.Tariffs[^1];
                    response.Page.NextPageToken = ProtoMapping.EncodePageToken($"{ProtoMapping.ToKey(last.Cpo, "cpo")}|{last.Id}");
                    return response;
                }

                response.Tariffs.Add(tariff.ToProto(cpo));
            }
        }

        return response;
    }

    /// <inheritdoc />
    public override async Task<PriceSessionResponse> PriceSession(PriceSessionRequest request, ServerCallContext context)
    {
        var cpo = await ResolveReadableCpoAsync(request.Cpo, context);
        RequireTariffId(request.TariffId);
        ChargingSession session;
        try
        {
            session = ChargingSession.Read(request.SessionJson);
        }
        catch (JsonException ex)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"session_json is not an OCPI session or CDR: {ex.Message}", "session_json");
        }

        if (session.EndDateTime <= session.StartDateTime)
        {
            throw new HubException(HubErrorCode.InvalidArgument, "session_json.end_date_time must be after start_date_time", "session_json.end_date_time");
        }

        var zone = TimeZoneInfo.Utc;
        if (request.TimeZone.Length > 0 && !TimeZoneInfo.TryFindSystemTimeZoneById(request.TimeZone, out zone))
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"time_zone '{request.TimeZone}' is not a known IANA time zone", "time_zone");
        }

        var tariff = (await catalog.GetAsync(cpo)).Find(request.TariffId)
            ?? throw new HubException(HubErrorCode.NotFound, $"{cpo} has no tariff '{request.TariffId}'");
        var result = TariffPricer.Price(tariff.Compiled, session.StartDateTime, session.EndDateTime, session.ChargingPeriods, zone!);
        var breakdown = result.ToProto();
        breakdown.TimeZone = zone!.Id;
        return new PriceSessionResponse { Breakdown = breakdown };
    }

    /// <inheritdoc />
    public override async Task<GetApplicableTariffsResponse> GetApplicableTariffs(GetApplicableTariffsRequest request, ServerCallContext context)
    {
        var cpo = await ResolveReadableCpoAsync(request.Cpo, context);
        if (string.IsNullOrEmpty(request.LocationId))
        {
            throw new HubException(HubErrorCode.InvalidArgument, "location_id is required", "location_id");
        }

        if (request.ConnectorId.Length > 0 && request.EvseUid.Length == 0)
        {
            throw new HubException(HubErrorCode.InvalidArgument, "connector_id needs evse_uid", "evse_uid");
        }

        var location = await grains.GetGrain<ILocationGrain>(ILocationGrain.KeyOf(cpo, request.LocationId)).Get()
            ?? throw new HubException(HubErrorCode.NotFound, $"location {request.LocationId} of {cpo} is not known");
        var evses = location.Evses.AsEnumerable();
        if (request.EvseUid.Length > 0)
        {
            evses = location.Evses.Where(e => e.Uid == request.EvseUid).ToList();
            if (!evses.Any())
            {
                throw new HubException(HubErrorCode.NotFound, $"location {request.LocationId} of {cpo} has no EVSE '{request.EvseUid}'");
            }
        }

        var response = new GetApplicableTariffsResponse { TimeZone = location.TimeZone };
        var ids = new List<string>();
        foreach (var evse in evses)
        {
            foreach (var connector in evse.Connectors)
            {
                if (request.ConnectorId.Length > 0 && connector.Id != request.ConnectorId)
                {
                    continue;
                }

                var entry = new ConnectorTariffs { EvseUid = evse.Uid, ConnectorId = connector.Id };
                entry.TariffIds.AddRange(connector.TariffIds);
                response.Connectors.Add(entry);
                ids.AddRange(connector.TariffIds.Where(id => !ids.Contains(id)));
            }
        }

        if (request.ConnectorId.Length > 0 && response.Connectors.Count == 0)
        {
            throw new HubException(HubErrorCode.NotFound, $"EVSE '{request.EvseUid}' of location {request.LocationId} has no connector '{request.ConnectorId}'");
        }

        var tariffs = Grain(cpo);
        foreach (var id in ids)
        {
            if (await tariffs.Get(id) is { } tariff)
            {
                response.Tariffs.Add(tariff.ToProto(cpo));
            }
            else
            {
                response.MissingTariffIds.Add(id);
            }
        }

        return response;
    }

    private ICpoTariffsGrain Grain(PartyKey cpo) => grains.GetGrain<ICpoTariffsGrain>(ICpoTariffsGrain.KeyOf(cpo));

    // Who may read which CPO's tariffs: the CPO itself, an EMSP with an active agreement, the operator.
    private async Task<PartyKey> ResolveReadableCpoAsync(PartyRef? requested, ServerCallContext context)
    {
        var caller = context.GetCaller();
        if (requested is null)
        {
            return caller.Party is { Role: PartyRole.Cpo } self
                ? self
                : throw new HubException(HubErrorCode.InvalidArgument, "cpo is required", "cpo");
        }

        var cpo = ProtoMapping.ToKey(requested, "cpo");
        if (cpo.Role != PartyRole.Cpo)
        {
            throw new HubException(HubErrorCode.InvalidArgument, "cpo.role must be PARTY_ROLE_CPO", "cpo.role");
        }

        if (caller.IsOperator || caller.Party == cpo)
        {
            return cpo;
        }

        var party = caller.Party!.Value;
        if (party.Role == PartyRole.Emsp && (await directory.GetAsync()).IsAgreementActive(cpo, party, clock.UtcNow))
        {
            return cpo;
        }

        throw new HubException(HubErrorCode.PermissionDenied, $"{party} may not read the tariffs of {cpo}: only the CPO itself and EMSPs with an active agreement may");
    }

    private static Tariff ParseTariff(string json, string field)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field} is required", field);
        }

        try
        {
            return OcpiJson.ReadTariff(json);
        }
        catch (JsonException ex)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field} is not an OCPI tariff: {ex.Message}", ex.Path is { Length: > 1 } path ? path.TrimStart('$', '.') : field);
        }
    }

    private static void RequireTariffId(string id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 36)
        {
            throw new HubException(HubErrorCode.InvalidArgument, "tariff_id is required, at most 36 characters", "tariff_id");
        }
    }

    [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "Tariff {TariffId} of {Cpo} stored (new: {Created})")]
    private static partial void LogTariffPut(ILogger logger, string cpo, string tariffId, bool created);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Information, Message = "Tariff {TariffId} of {Cpo} deleted")]
    private static partial void LogTariffDeleted(ILogger logger, string cpo, string tariffId);
}
