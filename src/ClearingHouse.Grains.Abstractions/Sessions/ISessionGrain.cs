using ClearingHouse.Domain.Parties;

namespace ClearingHouse.Grains.Sessions;

/// <summary>
/// One charging session, keyed by <see cref="SessionRecord.KeyOf"/> (CPO + session id). Keeps the state
/// machine and writes every accepted change to the session store before it returns.
/// </summary>
public interface ISessionGrain : IGrainWithStringKey
{
    /// <summary>
    /// Applies a full version of the session (OCPI PUT). Creating a session needs an active agreement
    /// between the CPO and the EMSP (checked by the caller, passed as <paramref name="agreementActive"/>).
    /// Throws <see cref="Errors.HubException"/> when refused; nothing is stored then.
    /// </summary>
    Task<SessionWrite> Put(SessionRecord session, bool agreementActive);

    /// <summary>Applies a PATCH. NotFound when the session does not exist.</summary>
    Task<SessionWrite> Patch(SessionPatch patch);

    /// <summary>The session, or null when the hub has none.</summary>
    Task<SessionRecord?> Get();

    /// <summary>
    /// The operator's resend: stores the session's current version again, unchanged, under a new change sequence and
    /// rings its EMSP's feed, so every session subscriber of that EMSP (live, or resuming from an older cursor) receives
    /// it again. Returns the session as stored (with its new sequence), or null when the hub has no such session.
    /// </summary>
    Task<SessionRecord?> Republish();
}

/// <summary>The durable copy of every session: a table keyed by (CPO, id), the session grain's only state.</summary>
public interface ISessionStore
{
    /// <summary>The session, or null.</summary>
    Task<SessionRecord?> GetAsync(PartyKey cpo, string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Inserts or replaces a session; durable when it returns. Returns the change sequence assigned to
    /// this version: within one EMSP, sequences become visible in increasing order.
    /// </summary>
    Task<long> SaveAsync(SessionRecord session, CancellationToken cancellationToken = default);

    /// <summary>An EMSP's sessions by (last_updated, CPO, id), after a keyset position, from <paramref name="updatedSince"/>.</summary>
    Task<IReadOnlyList<SessionRecord>> ListAsync(PartyKey emsp, DateTimeOffset? updatedSince, SessionPosition? after, int limit, CancellationToken cancellationToken = default);

    /// <summary>How many sessions of an EMSP were last updated from <paramref name="updatedSince"/> (inclusive) until <paramref name="updatedBefore"/> (exclusive): a paged list's total.</summary>
    Task<long> CountAsync(PartyKey emsp, DateTimeOffset? updatedSince, DateTimeOffset? updatedBefore, CancellationToken cancellationToken = default);

    /// <summary>An EMSP's sessions changed after sequence <paramref name="afterSequence"/>, by sequence.</summary>
    Task<IReadOnlyList<SessionRecord>> ChangesAsync(PartyKey emsp, long afterSequence, int limit, CancellationToken cancellationToken = default);

    /// <summary>The highest sequence of an EMSP's sessions (0 when none).</summary>
    Task<long> LastSequenceAsync(PartyKey emsp, CancellationToken cancellationToken = default);

    /// <summary>PENDING or ACTIVE sessions received before <paramref name="receivedBefore"/>, by (received_at, CPO, id).</summary>
    Task<IReadOnlyList<SessionRecord>> ListSilentAsync(DateTimeOffset receivedBefore, SessionPosition? after, int limit, CancellationToken cancellationToken = default);
}

/// <summary>A keyset position: an instant, then CPO (text form), then session id.</summary>
public sealed record SessionPosition(DateTimeOffset At, string Cpo, string Id);
