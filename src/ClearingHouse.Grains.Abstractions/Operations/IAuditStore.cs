namespace ClearingHouse.Grains.Operations;

/// <summary>One recorded action: who did what, on what, when, and why or with what outcome.</summary>
public sealed record AuditEntry
{
    /// <summary>Position in the log (assigned by the store; 0 when appending). Later entries have larger ones.</summary>
    public long Sequence { get; init; }

    /// <summary>When (the hub's clock).</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>Who: <c>operator (credential id)</c>, or a party and its credential id (<c>NL-ABC-CPO (1a2b3c4d5e6f)</c>).</summary>
    public required string Actor { get; init; }

    /// <summary>What, for example <c>parties.suspend</c>, <c>credentials.rotate</c>, <c>agreements.set</c>, <c>ops.resend</c>.</summary>
    public required string Action { get; init; }

    /// <summary>On what, for example <c>NL-ABC-CPO</c>, <c>NL-ABC-CPO/1a2b3c4d5e6f</c>, <c>NL-ABC-CPO|DE-XYZ-EMSP</c>, <c>statement 12</c>.</summary>
    public required string Target { get; init; }

    /// <summary>The reason given and the outcome, for a person to read.</summary>
    public required string Detail { get; init; }
}

/// <summary>
/// Which audit entries to list: newest first, before a sequence (keyset paging: pass the last sequence of a page to
/// get the next), each filter optional and all of them applying together.
/// </summary>
public sealed record AuditQuery
{
    /// <summary>Only entries with a smaller sequence (0: from the newest).</summary>
    public long BeforeSequence { get; init; }

    /// <summary>At most this many.</summary>
    public required int Limit { get; init; }

    /// <summary>Only entries whose action is this one or starts with it followed by a dot-separated rest (<c>parties</c> matches <c>parties.suspend</c>).</summary>
    public string? Action { get; init; }

    /// <summary>Only entries whose target is this or starts with it followed by <c>/</c> or <c>|</c> (a party matches its credentials and agreements).</summary>
    public string? Target { get; init; }

    /// <summary>Only entries whose actor starts with this (<c>operator</c>, a party key).</summary>
    public string? Actor { get; init; }

    /// <summary>Only entries at or after this instant.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Only entries before this instant.</summary>
    public DateTimeOffset? Until { get; init; }
}

/// <summary>
/// The durable audit log (same SQLite file / PostgreSQL database as the rest of the hub's state). Entries are only
/// appended; there is no method that changes or removes one.
/// </summary>
public interface IAuditStore
{
    /// <summary>Appends an entry (durable when it returns).</summary>
    Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default);

    /// <summary>One page of entries matching <paramref name="query"/>, newest first.</summary>
    Task<IReadOnlyList<AuditEntry>> ListAsync(AuditQuery query, CancellationToken cancellationToken = default);
}
