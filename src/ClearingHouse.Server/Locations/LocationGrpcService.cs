using ClearingHouse.Application.Locations;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Options;
using ClearingHouse.Server.Grpc;
using ClearingHouse.Server.Identity;
using Grpc.Core;
using Microsoft.Extensions.Options;
using PartyRole = ClearingHouse.Domain.Parties.PartyRole;

namespace ClearingHouse.Server.Locations;

/// <summary>
/// Locations and EVSE status routing (see locations.proto): each method maps the request, makes one call into the
/// core (<see cref="LocationsCore"/>, <see cref="StatusIngest"/>, <see cref="StatusSubscriptions"/>) and maps the answer.
/// </summary>
public sealed class LocationGrpcService(
    LocationsCore locations,
    StatusIngest ingest,
    StatusSubscriptions subscriptions,
    ILocationSnapshotCache<Location> snapshots,
    HubClock clock,
    IOptions<LocationsOptions> options) : LocationService.LocationServiceBase
{
    /// <inheritdoc />
    public override async Task<PutLocationResponse> PutLocation(PutLocationRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var data = LocationMapping.ToData(request.Location, caller.RequireParty(PartyRole.Cpo), clock.UtcNow, options.Value.MaxClockSkew);
        var result = await locations.PutAsync(caller, data);
        return new PutLocationResponse { Applied = result.Applied, Location = result.Location.ToProto() };
    }

    /// <inheritdoc />
    public override async Task<PatchLocationResponse> PatchLocation(PatchLocationRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        caller.RequireParty(PartyRole.Cpo);
        LocationMapping.RequireId(request.LocationId, "location_id");
        var patch = LocationMapping.ToPatch(request, clock.UtcNow, options.Value.MaxClockSkew);
        var result = await locations.PatchAsync(caller, request.LocationId, patch);
        return new PatchLocationResponse { Applied = result.Applied, Location = result.Location.ToProto() };
    }

    /// <inheritdoc />
    public override async Task<PatchEvseResponse> PatchEvse(PatchEvseRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        caller.RequireParty(PartyRole.Cpo);
        LocationMapping.RequireId(request.LocationId, "location_id");
        var patch = LocationMapping.ToPatch(request, clock.UtcNow, options.Value.MaxClockSkew);
        var result = await locations.PatchEvseAsync(caller, request.LocationId, patch);
        return new PatchEvseResponse { Applied = result.Applied, Location = result.Location.ToProto() };
    }

    /// <inheritdoc />
    public override async Task<StreamStatusUpdatesResponse> StreamStatusUpdates(IAsyncStreamReader<StreamStatusUpdatesRequest> requestStream, ServerCallContext context)
    {
        var summary = await ingest.IngestAsync(context.GetCaller(), new StatusMessageSource(requestStream), context.CancellationToken);
        return summary.ToProto();
    }

    /// <inheritdoc />
    public override async Task<GetLocationResponse> GetLocation(GetLocationRequest request, ServerCallContext context)
    {
        var cpo = LocationMapping.ToCpoKey(request.Cpo, "cpo");
        LocationMapping.RequireId(request.LocationId, "location_id");
        var location = await locations.GetAsync(context.GetCaller(), cpo, request.LocationId, snapshots, LocationMapping.ToProto);
        return new GetLocationResponse { Location = location };
    }

    /// <inheritdoc />
    public override async Task<GetConnectorTariffHistoryResponse> GetConnectorTariffHistory(GetConnectorTariffHistoryRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var cpo = request.Cpo is null && caller.Party is { Role: PartyRole.Cpo } self ? self : LocationMapping.ToCpoKey(request.Cpo, "cpo");
        LocationMapping.RequireId(request.LocationId, "location_id");
        var listings = await locations.TariffHistoryAsync(caller, cpo, request.LocationId, request.EvseUid, request.ConnectorId);
        return LocationMapping.ToProto(listings, request.AsOf?.ToDateTimeOffset());
    }

    /// <inheritdoc />
    public override async Task<ListLocationsResponse> ListLocations(ListLocationsRequest request, ServerCallContext context)
    {
        var page = await locations.ListAsync(context.GetCaller(), LocationMapping.ToQuery(request), context.CancellationToken);
        var response = new ListLocationsResponse { Page = new PageInfo() };
        response.Locations.AddRange(page.Locations.Select(l => l.ToProto()));
        if (page.Next is { } next)
        {
            response.Page.NextPageToken = ProtoMapping.EncodePageToken($"{next.Cpo}|{next.LocationId}");
        }

        return response;
    }

    /// <inheritdoc />
    public override async Task SubscribeStatus(SubscribeStatusRequest request, IServerStreamWriter<SubscribeStatusResponse> responseStream, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var ct = context.CancellationToken;
        using var subscription = await subscriptions.OpenAsync(caller, StatusProtoMapping.ToSubscription(request));
        await responseStream.WriteAsync(new SubscribeStatusResponse { SubscribedCursor = subscription.Cursor }, ct);
        var cpoRefs = new StatusEventMapper();
        await foreach (var message in subscription.ReadAsync(ct))
        {
            await responseStream.WriteAsync(cpoRefs.ToProto(message), ct);
        }
    }
}
