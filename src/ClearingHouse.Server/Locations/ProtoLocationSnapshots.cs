using ClearingHouse.Application.Locations;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Parties;
using Google.Protobuf;

namespace ClearingHouse.Server.Locations;

/// <summary>
/// GetLocation's snapshots in the protobuf wire form it answers with, kept in the profile's byte cache
/// (<see cref="ILocationSnapshotCache"/>: none in Embedded, Redis in Cluster) and read through by
/// <see cref="LocationsCore.GetAsync{T}"/>.
/// </summary>
public sealed class ProtoLocationSnapshots(ILocationSnapshotCache bytes) : ILocationSnapshotCache<Location>
{
    /// <inheritdoc />
    public ValueTask<Location?> GetAsync(PartyKey cpo, string locationId) =>
        bytes.GetAsync(cpo, locationId, static b => Location.Parser.ParseFrom(b));

    /// <inheritdoc />
    public void Set(PartyKey cpo, string locationId, Location location)
    {
        ArgumentNullException.ThrowIfNull(location);
        bytes.Set(cpo, locationId, location.ToByteArray());
    }

    /// <inheritdoc />
    public void Invalidate(PartyKey cpo, string locationId) => bytes.Invalidate(cpo, locationId);
}
