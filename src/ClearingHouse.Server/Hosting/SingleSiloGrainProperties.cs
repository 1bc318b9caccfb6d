using System.Globalization;
using Orleans.Metadata;
using Orleans.Placement;

namespace ClearingHouse.Server.Hosting;

/// <summary>
/// Marks the hub's grains immovable in the Embedded profile, whose one silo has nowhere to move them. Orleans 10.4
/// tries to migrate every movable activation to another silo when its silo shuts down; on a lone silo the placement
/// finds no silo (its own is already leaving) and Orleans logs an error for each grain still deactivating then (seen
/// at clean stops of Embedded hubs under load: "Error while selecting a migration destination for statusfeed/...",
/// and messages forwarded to the migrating grain failing "silo is shutting down"). The grains deactivate as they
/// would anyway, writing what they hold. Cluster silos keep the migration: it moves grains to the other silos.
/// </summary>
public sealed class SingleSiloGrainProperties : IGrainPropertiesProvider
{
    private static readonly string Immovable = ((byte)ImmovableKind.Any).ToString(CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public void Populate(Type grainClass, GrainType grainType, Dictionary<string, string> properties)
    {
        ArgumentNullException.ThrowIfNull(grainClass);
        ArgumentNullException.ThrowIfNull(properties);
        if (grainClass.Namespace?.StartsWith("ClearingHouse.", StringComparison.Ordinal) == true)
        {
            properties[WellKnownGrainTypeProperties.Immovable] = Immovable;
        }
    }
}
