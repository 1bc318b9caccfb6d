namespace ClearingHouse.Grains.Tariffs;

/// <summary>Stored state of <see cref="CpoTariffsGrain"/> (version 1 of its shape).</summary>
[GenerateSerializer]
public sealed class CpoTariffsState
{
    /// <summary>Tariffs by id.</summary>
    [Id(0)] public Dictionary<string, TariffRecord> Tariffs { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Grows by one with every committed change.</summary>
    [Id(1)] public long Version { get; set; }
}
