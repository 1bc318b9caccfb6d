using ClearingHouse.Domain.Sessions;
using ClearingHouse.Grains.Sessions;

namespace ClearingHouse.Application.Sessions;

/// <summary>A session as the hub shows it: the stored record, and whether it is stuck now (PENDING or ACTIVE, silent for <c>Sessions:StuckAfter</c>).</summary>
public sealed record SessionView(SessionRecord Session, bool Stuck);

/// <summary>The outcome of a PUT or PATCH: the session as stored, and what the write did.</summary>
public sealed record SessionWriteView(SessionView Session, SessionVerdict Verdict);

/// <summary>A stuck session for the operator, and how long it has been silent.</summary>
public sealed record StuckSessionView(SessionRecord Session, TimeSpan SilentFor);

/// <summary>One change on an EMSP's session feed, and the cursor to resume after it.</summary>
public sealed record SessionChange(SessionView Session, string Cursor);
