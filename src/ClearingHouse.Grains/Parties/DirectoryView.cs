using System.Collections.Frozen;
using ClearingHouse.Domain.Parties;

namespace ClearingHouse.Grains.Parties;

/// <summary>What an agreement means at a given instant.</summary>
public enum AgreementState
{
    /// <summary>Data flows.</summary>
    Active = 1,

    /// <summary>Starts in the future.</summary>
    Pending = 2,

    /// <summary>Its end has passed.</summary>
    Ended = 3,

    /// <summary>Within its dates, but a party is suspended: nothing flows.</summary>
    Suspended = 4,
}

/// <summary>An indexed, immutable view of one <see cref="RegistrySnapshot"/>, for O(1) hot-path checks.</summary>
public sealed class DirectoryView
{
    private readonly FrozenDictionary<PartyKey, PartyRecord> _parties;
    private readonly FrozenDictionary<(PartyKey Cpo, PartyKey Emsp), AgreementRecord> _agreements;

    /// <summary>Indexes a snapshot.</summary>
    public DirectoryView(RegistrySnapshot snapshot)
    {
        Snapshot = snapshot;
        _parties = snapshot.Parties.ToFrozenDictionary(p => p.Key);
        _agreements = snapshot.Agreements.ToFrozenDictionary(a => (a.Cpo, a.Emsp));
    }

    /// <summary>The snapshot behind this view.</summary>
    public RegistrySnapshot Snapshot { get; }

    /// <summary>The party, or null when unknown.</summary>
    public PartyRecord? GetParty(PartyKey key) => _parties.GetValueOrDefault(key);

    /// <summary>Whether the party is registered and active.</summary>
    public bool IsActive(PartyKey key) => _parties.TryGetValue(key, out var p) && p.Status == PartyStatus.Active;

    /// <summary>The agreement between a CPO and an EMSP, or null.</summary>
    public AgreementRecord? GetAgreement(PartyKey cpo, PartyKey emsp) => _agreements.GetValueOrDefault((cpo, emsp));

    /// <summary>What the agreement means at <paramref name="now"/>, taking the parties' status into account.</summary>
    public AgreementState StateOf(AgreementRecord agreement, DateTimeOffset now) =>
        now < agreement.ValidFrom ? AgreementState.Pending
        : agreement.ValidUntil is { } until && now >= until ? AgreementState.Ended
        : !IsActive(agreement.Cpo) || !IsActive(agreement.Emsp) ? AgreementState.Suspended
        : AgreementState.Active;

    /// <summary>Whether data may flow between the CPO and the EMSP at <paramref name="now"/>.</summary>
    public bool IsAgreementActive(PartyKey cpo, PartyKey emsp, DateTimeOffset now) =>
        GetAgreement(cpo, emsp) is { } a && StateOf(a, now) == AgreementState.Active;
}
