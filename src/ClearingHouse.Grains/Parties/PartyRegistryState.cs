namespace ClearingHouse.Grains.Parties;

/// <summary>Stored state of <see cref="PartyRegistryGrain"/> (version 1 of its shape).</summary>
[GenerateSerializer]
public sealed class PartyRegistryState
{
    /// <summary>Parties by key text (<c>NL-ABC-CPO</c>).</summary>
    [Id(0)] public Dictionary<string, PartyRecord> Parties { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Agreements by <c>{cpo}|{emsp}</c>.</summary>
    [Id(1)] public Dictionary<string, AgreementRecord> Agreements { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Grows by one with every committed change.</summary>
    [Id(2)] public long Version { get; set; }
}
