using ClearingHouse.Application.Tariffs;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Grpc;
using ClearingHouse.Server.Identity;
using Grpc.Core;

namespace ClearingHouse.Server.Tariffs;

/// <summary>Tariffs of CPOs, read by their agreement partners (see tariffs.proto): each method maps, calls the core once, maps back.</summary>
public sealed class TariffGrpcService(TariffFlow tariffs) : TariffService.TariffServiceBase
{
    /// <inheritdoc />
    public override async Task<PutTariffResponse> PutTariff(PutTariffRequest request, ServerCallContext context)
    {
        var (stored, created) = await tariffs.PutAsync(context.GetCaller(), TariffProtoMapping.ToTariff(request));
        return new PutTariffResponse { Tariff = stored.ToProto(), Created = created };
    }

    /// <inheritdoc />
    public override async Task<DeleteTariffResponse> DeleteTariff(DeleteTariffRequest request, ServerCallContext context)
    {
        await tariffs.DeleteAsync(context.GetCaller(), request.TariffId);
        return new DeleteTariffResponse();
    }

    /// <inheritdoc />
    public override async Task<GetTariffResponse> GetTariff(GetTariffRequest request, ServerCallContext context)
    {
        var tariff = request.AsOf is { } asOf
            ? await tariffs.GetAsOfAsync(context.GetCaller(), TariffProtoMapping.ToCpo(request.Cpo), request.TariffId, asOf.ToDateTimeOffset())
            : await tariffs.GetAsync(context.GetCaller(), TariffProtoMapping.ToCpo(request.Cpo), request.TariffId);
        return new GetTariffResponse { Tariff = tariff.ToProto() };
    }

    /// <inheritdoc />
    public override async Task<ListTariffVersionsResponse> ListTariffVersions(ListTariffVersionsRequest request, ServerCallContext context)
    {
        var versions = await tariffs.HistoryAsync(context.GetCaller(), TariffProtoMapping.ToCpo(request.Cpo), request.TariffId);
        var response = new ListTariffVersionsResponse();
        response.Versions.AddRange(versions.Select(v => v.ToProto()));
        return response;
    }

    /// <inheritdoc />
    public override async Task<ListTariffsResponse> ListTariffs(ListTariffsRequest request, ServerCallContext context)
    {
        var size = ProtoMapping.PageSize(request.Page);
        var after = TariffProtoMapping.DecodePosition(request.Page);
        var page = await tariffs.ListAsync(context.GetCaller(), TariffProtoMapping.ToCpo(request.Cpo), after, size);
        var response = new ListTariffsResponse { Page = new PageInfo() };
        response.Tariffs.AddRange(page.Tariffs.Select(t => t.ToProto()));
        if (page.Next is { } next)
        {
            response.Page.NextPageToken = TariffProtoMapping.EncodePosition(next);
        }

        return response;
    }

    /// <inheritdoc />
    public override async Task<PriceSessionResponse> PriceSession(PriceSessionRequest request, ServerCallContext context)
    {
        var (session, field) = TariffProtoMapping.ToSession(request);
        var result = await tariffs.PriceSessionAsync(context.GetCaller(), TariffProtoMapping.ToCpo(request.Cpo), request.TariffId, session, request.TimeZone, field);
        return new PriceSessionResponse { Breakdown = result.ToProto() };
    }

    /// <inheritdoc />
    public override async Task<GetApplicableTariffsResponse> GetApplicableTariffs(GetApplicableTariffsRequest request, ServerCallContext context)
    {
        var applicable = await tariffs.GetApplicableAsync(context.GetCaller(), TariffProtoMapping.ToCpo(request.Cpo), request.LocationId, request.EvseUid, request.ConnectorId);
        return applicable.ToProto();
    }
}
