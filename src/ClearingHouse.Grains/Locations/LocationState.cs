namespace ClearingHouse.Grains.Locations;

/// <summary>The durable state of a location grain: the OCPI object as last put or patched.</summary>
[GenerateSerializer]
public sealed class LocationState
{
    /// <summary>The location; null until the CPO puts it.</summary>
    [Id(0)] public LocationData? Location { get; set; }

    /// <summary>The connectors' earlier tariff lists (<see cref="ConnectorTariffHistory"/>); null in state written before it existed.</summary>
    [Id(1)] public ConnectorTariffListing[]? TariffHistory { get; set; }
}
