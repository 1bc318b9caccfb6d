using ClearingHouse.Domain.Parties;

namespace ClearingHouse.Grains.Parties;

/// <summary>
/// The hub's register of parties and roaming agreements: one activation (key <see cref="Key"/>) whose
/// state is written as a whole, so every change is atomic. Partners number in the hundreds or
/// thousands, so one grain holds them easily; silos keep a cached <see cref="RegistrySnapshot"/> for
/// hot-path checks (see PartyDirectory). Every method validates its input and throws
/// <see cref="Errors.HubException"/> on refusal, with nothing written.
/// </summary>
public interface IPartyRegistryGrain : IGrainWithStringKey
{
    /// <summary>The one key of the registry grain.</summary>
    const string Key = "hub";

    /// <summary>Registers an active party. AlreadyExists when the key is taken.</summary>
    Task<PartyRecord> Register(PartyKey key, string name);

    /// <summary>Returns the party, or null when unknown.</summary>
    Task<PartyRecord?> Get(PartyKey key);

    /// <summary>Suspends or reinstates a party. NotFound when unknown. Same status again is a no-op.</summary>
    Task<PartyRecord> SetStatus(PartyKey key, PartyStatus status, string? reason);

    /// <summary>
    /// Creates or replaces the agreement between a CPO and an EMSP. InvalidArgument when the roles are
    /// wrong or until &lt;= from; FailedPrecondition when a party is unknown or suspended.
    /// </summary>
    Task<AgreementRecord> SetAgreement(PartyKey cpo, PartyKey emsp, DateTimeOffset validFrom, DateTimeOffset? validUntil);

    /// <summary>Ends an agreement at <paramref name="endedAt"/>. NotFound when there is none.</summary>
    Task<AgreementRecord> EndAgreement(PartyKey cpo, PartyKey emsp, DateTimeOffset endedAt);

    /// <summary>Returns the registry when its version differs from <paramref name="knownVersion"/>, else null.</summary>
    Task<RegistrySnapshot?> GetSnapshot(long knownVersion);
}
