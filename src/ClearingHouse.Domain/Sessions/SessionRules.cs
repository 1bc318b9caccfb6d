namespace ClearingHouse.Domain.Sessions;

/// <summary>What the state machine looks at in a session (stored or incoming).</summary>
/// <param name="Status">The status.</param>
/// <param name="Kwh">Energy so far, kWh.</param>
/// <param name="Start">Start of the session.</param>
/// <param name="End">End of the session, or null.</param>
/// <param name="LastUpdated">The CPO's last_updated: it orders updates.</param>
/// <param name="Emsp">The EMSP the session is routed to (text form).</param>
public readonly record struct SessionFacts(SessionStatus Status, decimal Kwh, DateTimeOffset Start, DateTimeOffset? End, DateTimeOffset LastUpdated, string Emsp);

/// <summary>What to do with an incoming version of a session.</summary>
public enum SessionVerdict
{
    /// <summary>New session: store it.</summary>
    Create,

    /// <summary>Newer and allowed: store it.</summary>
    Apply,

    /// <summary>Same last_updated as stored (a retry): nothing to do.</summary>
    Unchanged,

    /// <summary>Older than stored: ignored.</summary>
    Stale,

    /// <summary>Refused: see <see cref="SessionDecision.Problem"/>.</summary>
    Refused,
}

/// <summary>Why an update is refused, and whether the fault is the update alone (malformed) or the update against the stored session.</summary>
/// <param name="Field">The request field at fault (proto path under <c>session</c>).</param>
/// <param name="Message">What is wrong.</param>
/// <param name="Malformed">True: InvalidArgument (wrong on its own). False: FailedPrecondition (wrong against the stored state).</param>
public sealed record SessionProblem(string Field, string Message, bool Malformed);

/// <summary>The state machine's decision.</summary>
public readonly record struct SessionDecision(SessionVerdict Verdict, SessionProblem? Problem = null);

/// <summary>
/// The session state machine (pure). Allowed status changes:
/// <list type="bullet">
/// <item>a new session may start in any status (a CPO may report a short session only once it is over);</item>
/// <item>RESERVATION -> PENDING, ACTIVE, COMPLETED, INVALID; PENDING -> ACTIVE, COMPLETED, INVALID;</item>
/// <item>ACTIVE -> COMPLETED, INVALID; COMPLETED -> INVALID (declared invalid after the fact); INVALID is final;</item>
/// <item>any status may stay as it is (a progress update).</item>
/// </list>
/// An update is applied only when its last_updated is newer than the stored one; kWh never goes
/// backwards, the end is never before the start, and the session's EMSP never changes.
/// </summary>
public static class SessionRules
{
    /// <summary>Whether <paramref name="from"/> may become <paramref name="to"/>.</summary>
    public static bool CanMove(SessionStatus from, SessionStatus to) => from == to || (from, to) switch
    {
        (SessionStatus.Reservation, SessionStatus.Pending or SessionStatus.Active or SessionStatus.Completed or SessionStatus.Invalid) => true,
        (SessionStatus.Pending, SessionStatus.Active or SessionStatus.Completed or SessionStatus.Invalid) => true,
        (SessionStatus.Active, SessionStatus.Completed or SessionStatus.Invalid) => true,
        (SessionStatus.Completed, SessionStatus.Invalid) => true,
        _ => false,
    };

    /// <summary>Whether a status is one a session can get stuck in (it should move on by itself).</summary>
    public static bool CanBeStuck(SessionStatus status) => status is SessionStatus.Pending or SessionStatus.Active;

    /// <summary>Whether a session is stuck: PENDING or ACTIVE and silent since <paramref name="receivedAt"/> for at least <paramref name="stuckAfter"/>.</summary>
    public static bool IsStuck(SessionStatus status, DateTimeOffset receivedAt, DateTimeOffset now, TimeSpan stuckAfter) =>
        CanBeStuck(status) && now - receivedAt >= stuckAfter;

    /// <summary>What is wrong with a session on its own, or null.</summary>
    public static SessionProblem? ValidateAlone(SessionFacts incoming)
    {
        if (incoming.Kwh < 0)
        {
            return new SessionProblem("session.kwh", "session.kwh must not be negative", Malformed: true);
        }

        if (incoming.End is { } end && end < incoming.Start)
        {
            return new SessionProblem("session.end_date_time", "session.end_date_time must not be before session.start_date_time", Malformed: true);
        }

        return null;
    }

    /// <summary>Decides what to do with <paramref name="incoming"/> given the stored version (null when new).</summary>
    public static SessionDecision Decide(SessionFacts? current, SessionFacts incoming)
    {
        if (ValidateAlone(incoming) is { } malformed)
        {
            return new SessionDecision(SessionVerdict.Refused, malformed);
        }

        if (current is not { } stored)
        {
            return new SessionDecision(SessionVerdict.Create);
        }

        if (incoming.LastUpdated < stored.LastUpdated)
        {
            return new SessionDecision(SessionVerdict.Stale);
        }

        if (incoming.LastUpdated == stored.LastUpdated)
        {
            return new SessionDecision(SessionVerdict.Unchanged);
        }

        if (!string.Equals(incoming.Emsp, stored.Emsp, StringComparison.Ordinal))
        {
            return new SessionDecision(SessionVerdict.Refused, new SessionProblem(
                "session.cdr_token", $"the session belongs to EMSP {stored.Emsp}; its cdr_token cannot move it to {incoming.Emsp}", Malformed: false));
        }

        if (!CanMove(stored.Status, incoming.Status))
        {
            return new SessionDecision(SessionVerdict.Refused, new SessionProblem(
                "session.status", $"a {Name(stored.Status)} session cannot become {Name(incoming.Status)}", Malformed: false));
        }

        if (incoming.Kwh < stored.Kwh)
        {
            return new SessionDecision(SessionVerdict.Refused, new SessionProblem(
                "session.kwh", $"session.kwh must not go backwards (stored {stored.Kwh}, got {incoming.Kwh})", Malformed: false));
        }

        return new SessionDecision(SessionVerdict.Apply);
    }

    /// <summary>The OCPI name of a status.</summary>
    public static string Name(SessionStatus status) => status.ToString().ToUpperInvariant();
}
