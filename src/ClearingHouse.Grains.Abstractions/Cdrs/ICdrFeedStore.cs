using ClearingHouse.Domain.Parties;

namespace ClearingHouse.Grains.Cdrs;

/// <summary>
/// The per-EMSP feed of stored CDRs, served by the CDR store itself (CDRs are durable, so a resuming
/// subscriber replays from the store, with no retention window). Kept apart from <see cref="ICdrStore"/>
/// so that implementations of that port need not change.
/// </summary>
/// <remarks>
/// Feed order is the order in which CDRs became durable, per EMSP: a reader that has seen everything up to a
/// position never later finds a CDR before that position. SQLite: one hub-wide sequence assigned inside the
/// (serialized) write transaction. PostgreSQL: (transaction id, sequence), read only below the oldest transaction
/// still running, so a CDR committed later can never land behind a position already read.
/// </remarks>
public interface ICdrFeedStore
{
    /// <summary>
    /// A position from which everything stored from now on follows (a new subscription starts there). It may
    /// also precede a few CDRs stored just before the call (PostgreSQL: those of transactions still recent).
    /// </summary>
    Task<CdrFeedPosition> GetFeedHeadAsync(CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="limit"/> CDRs of <paramref name="emsp"/> after <paramref name="after"/>, in feed order.</summary>
    Task<IReadOnlyList<CdrFeedEntry>> ReadFeedAsync(PartyKey emsp, CdrFeedPosition after, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves a stored CDR to the head of its EMSP's feed (the operator's resend): it gets a new feed position, given
    /// the way a newly stored CDR gets one, so every subscriber of the EMSP, live or resuming from a position before
    /// the new one, reads it (again). Nothing else of the CDR changes. Returns the new position, or null when there
    /// is no such CDR. Repeating it only moves the CDR again (subscribers may read a CDR more than once; the CDR id
    /// is their idempotency key).
    /// </summary>
    Task<CdrFeedPosition?> RequeueAsync(PartyKey cpo, string cdrId, CancellationToken cancellationToken = default);
}

/// <summary>
/// A position in a CDR feed, ordered by (<see cref="Major"/>, <see cref="Minor"/>). SQLite: (sequence, 0);
/// PostgreSQL: (transaction id, sequence). <see cref="Start"/> precedes every CDR.
/// </summary>
public readonly record struct CdrFeedPosition(long Major, long Minor) : IComparable<CdrFeedPosition>
{
    /// <summary>Before every stored CDR.</summary>
    public static CdrFeedPosition Start => default;

    /// <inheritdoc />
    public int CompareTo(CdrFeedPosition other) => Major != other.Major ? Major.CompareTo(other.Major) : Minor.CompareTo(other.Minor);

    /// <summary>Whether <paramref name="left"/> comes after <paramref name="right"/>.</summary>
    public static bool operator >(CdrFeedPosition left, CdrFeedPosition right) => left.CompareTo(right) > 0;

    /// <summary>Whether <paramref name="left"/> comes before <paramref name="right"/>.</summary>
    public static bool operator <(CdrFeedPosition left, CdrFeedPosition right) => left.CompareTo(right) < 0;

    /// <summary>Whether <paramref name="left"/> is at or after <paramref name="right"/>.</summary>
    public static bool operator >=(CdrFeedPosition left, CdrFeedPosition right) => left.CompareTo(right) >= 0;

    /// <summary>Whether <paramref name="left"/> is at or before <paramref name="right"/>.</summary>
    public static bool operator <=(CdrFeedPosition left, CdrFeedPosition right) => left.CompareTo(right) <= 0;
}

/// <summary>One CDR of a feed and its position.</summary>
public sealed record CdrFeedEntry(StoredCdr Cdr, CdrFeedPosition Position);
