using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tokens;

namespace ClearingHouse.Grains.Tokens;

/// <summary>One authorization decision, as recorded under its authorization_reference.</summary>
public sealed record AuthorizationRecord
{
    /// <summary>The authorization_reference returned to the CPO.</summary>
    public required string Reference { get; init; }

    /// <summary>The CPO that asked.</summary>
    public required PartyKey Cpo { get; init; }

    /// <summary>The token's EMSP, or null when the token was unknown.</summary>
    public PartyKey? Emsp { get; init; }

    /// <summary>The token uid presented.</summary>
    public required string Uid { get; init; }

    /// <summary>The token type presented.</summary>
    public required TokenType Type { get; init; }

    /// <summary>The location id, or null.</summary>
    public string? LocationId { get; init; }

    /// <summary>The EVSE uids, possibly empty.</summary>
    public IReadOnlyList<string> EvseUids { get; init; } = [];

    /// <summary>The decision.</summary>
    public required AllowedType Allowed { get; init; }

    /// <summary>How it was made.</summary>
    public required DecisionSource Source { get; init; }

    /// <summary>When it was made (UTC).</summary>
    public required DateTimeOffset DecidedAt { get; init; }

    /// <summary>
    /// Recorded while the EMSP is still being asked: the fallback the hub answers if the EMSP does not answer
    /// in time (its <see cref="Source"/> is FallbackTimeout, <see cref="DecidedAt"/> the deadline). A final
    /// record under the same reference supersedes it. Written ahead so that a timed-out ask is answered at the
    /// deadline, not one disk flush after it.
    /// </summary>
    public bool Provisional { get; init; }
}

/// <summary>The durable record of authorization decisions, for linking sessions and CDRs to them.</summary>
public interface IAuthorizationStore
{
    /// <summary>
    /// Appends decisions (final and <see cref="AuthorizationRecord.Provisional"/> ones, each kind at most once per
    /// reference) in one transaction, durable when it returns.
    /// </summary>
    Task AppendAsync(IReadOnlyList<AuthorizationRecord> records, CancellationToken cancellationToken = default);

    /// <summary>The decision recorded under a reference (its final record, else its provisional one), or null.</summary>
    Task<AuthorizationRecord?> GetAsync(string reference, CancellationToken cancellationToken = default);
}
