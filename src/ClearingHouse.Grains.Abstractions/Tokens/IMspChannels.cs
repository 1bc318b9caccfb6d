using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains.Channels;

namespace ClearingHouse.Grains.Tokens;

/// <summary>One real-time authorization question for an EMSP.</summary>
[GenerateSerializer, Immutable]
public sealed record MspAsk
{
    /// <summary>The hub's copy of the token (its owner is the EMSP asked).</summary>
    [Id(0)] public required TokenRecord Token { get; init; }

    /// <summary>The CPO asking.</summary>
    [Id(1)] public required PartyKey Cpo { get; init; }

    /// <summary>The location id, or null.</summary>
    [Id(2)] public string? LocationId { get; init; }

    /// <summary>The EVSE uids.</summary>
    [Id(3)] public IReadOnlyList<string> EvseUids { get; init; } = [];

    /// <summary>The reference the CPO will get.</summary>
    [Id(4)] public required string AuthorizationReference { get; init; }

    /// <summary>How long the asker waits, from when the ask is received (each hop subtracts its own time).</summary>
    [Id(5)] public required TimeSpan Timeout { get; init; }
}

/// <summary>What came back from the EMSP's channels.</summary>
[GenerateSerializer, Immutable]
public sealed record MspReply
{
    /// <summary>No open channel.</summary>
    public static MspReply NoChannel { get; } = new() { Kind = MspOutcomeKind.NoChannel };

    /// <summary>No answer in time.</summary>
    public static MspReply Timeout { get; } = new() { Kind = MspOutcomeKind.Timeout };

    /// <summary>Answered, timed out, or no channel.</summary>
    [Id(0)] public required MspOutcomeKind Kind { get; init; }

    /// <summary>The EMSP's answer, when answered.</summary>
    [Id(1)] public AllowedType Allowed { get; init; } = AllowedType.NotAllowed;

    /// <summary>Language of the EMSP's display text, or null.</summary>
    [Id(2)] public string? InfoLanguage { get; init; }

    /// <summary>The EMSP's display text, or null.</summary>
    [Id(3)] public string? InfoText { get; init; }

    /// <summary>As the rules see it.</summary>
    public MspOutcome Outcome => new(Kind, Allowed);
}

/// <summary>A silo's authorization channels of one EMSP, reachable from other silos.</summary>
public interface IMspChannelObserver : IGrainObserver
{
    /// <summary>Asks the EMSP on one of this silo's channels (failing over between them).</summary>
    Task<MspReply> Ask(MspAsk ask);
}

/// <summary>
/// The cluster-wide registry of one EMSP's channels, keyed by the EMSP's party key: which silos hold
/// open channels. Not durable: silos with channels re-register periodically and after every membership
/// change, so a new activation (after a silo failure) learns them again at once.
/// </summary>
public interface IMspChannelGrain : ISiloRegistryGrain<IMspChannelObserver>
{
    /// <summary>Asks on the silos with channels, except <paramref name="exceptSilo"/> (already tried), spreading asks round-robin.</summary>
    Task<MspReply> Ask(MspAsk ask, SiloAddress exceptSilo);
}
