using ClearingHouse.Domain.Parties;

namespace ClearingHouse.Grains.Parties;

/// <summary>Whether a party may use the hub.</summary>
public enum PartyStatus
{
    /// <summary>The party may call the hub and exchange data with its partners.</summary>
    Active = 1,

    /// <summary>The party's calls are refused and nothing flows to or from it.</summary>
    Suspended = 2,

    /// <summary>
    /// As <see cref="Suspended"/>, and left out of party listings unless asked for: a party no longer in use (a test
    /// party, a partner that left). Its data stays; reinstating makes it active again.
    /// </summary>
    Archived = 3,
}

/// <summary>A registered party.</summary>
[GenerateSerializer, Immutable]
public sealed record PartyRecord
{
    /// <summary>country_code + party_id + role.</summary>
    [Id(0)] public required PartyKey Key { get; init; }

    /// <summary>Display name.</summary>
    [Id(1)] public required string Name { get; init; }

    /// <summary>Active or suspended.</summary>
    [Id(2)] public required PartyStatus Status { get; init; }

    /// <summary>When it was registered (UTC).</summary>
    [Id(3)] public required DateTimeOffset RegisteredAt { get; init; }

    /// <summary>When it last changed (UTC).</summary>
    [Id(4)] public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The reason given for the last status change, if any.</summary>
    [Id(5)] public string? StatusReason { get; init; }
}

/// <summary>A roaming agreement between a CPO and an EMSP; without an active one nothing flows between them.</summary>
[GenerateSerializer, Immutable]
public sealed record AgreementRecord
{
    /// <summary>The CPO side.</summary>
    [Id(0)] public required PartyKey Cpo { get; init; }

    /// <summary>The EMSP side.</summary>
    [Id(1)] public required PartyKey Emsp { get; init; }

    /// <summary>From when data flows (UTC, inclusive).</summary>
    [Id(2)] public required DateTimeOffset ValidFrom { get; init; }

    /// <summary>Until when data flows (UTC, exclusive); null is open-ended.</summary>
    [Id(3)] public DateTimeOffset? ValidUntil { get; init; }

    /// <summary>When it last changed (UTC).</summary>
    [Id(4)] public required DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>An immutable copy of every party and agreement at one version of the registry.</summary>
[GenerateSerializer, Immutable]
public sealed record RegistrySnapshot
{
    /// <summary>Grows by one with every change of the registry.</summary>
    [Id(0)] public required long Version { get; init; }

    /// <summary>Every party, sorted by key.</summary>
    [Id(1)] public required IReadOnlyList<PartyRecord> Parties { get; init; }

    /// <summary>Every agreement, sorted by CPO then EMSP.</summary>
    [Id(2)] public required IReadOnlyList<AgreementRecord> Agreements { get; init; }
}
