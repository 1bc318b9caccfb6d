using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Settlement;

namespace ClearingHouse.Grains.Settlement;

/// <summary>What a statement is about: one CPO, one EMSP, one currency, CDRs ending in [From, To).</summary>
public sealed record StatementKey(PartyKey Cpo, PartyKey Emsp, string Currency, DateTimeOffset From, DateTimeOffset To);

/// <summary>A closed, immutable statement: its header. Its lines are read with <see cref="ISettlementStore.ReadLinesAsync"/>.</summary>
public sealed record ClosedStatement
{
    /// <summary>The statement number: hub-wide, increasing, never reused.</summary>
    public required long Number { get; init; }

    /// <summary>Parties, currency and period.</summary>
    public required StatementKey Key { get; init; }

    /// <summary>When it was closed.</summary>
    public required DateTimeOffset ClosedAt { get; init; }

    /// <summary>Who closed it (the caller's text form, or "operator").</summary>
    public required string ClosedBy { get; init; }

    /// <summary>How many lines (CDRs) it has.</summary>
    public required int LineCount { get; init; }

    /// <summary>The totals as JSON (<see cref="StatementTotals"/>), computed from the lines at close.</summary>
    public required string TotalsJson { get; init; }

    /// <summary>SHA-256 (lower-case hex) of the canonical CSV (<see cref="StatementCsv"/>).</summary>
    public required string ContentHash { get; init; }
}

/// <summary>One line handed to the store while a statement is being closed.</summary>
/// <param name="LineNumber">1-based position.</param>
/// <param name="CdrId">The CDR.</param>
/// <param name="Settles">Whether the statement settles the CDR (charges and credits; disputed lines are shown, not settled).</param>
/// <param name="CsvLine">The canonical CSV line.</param>
public sealed record StatementLineRow(long LineNumber, string CdrId, bool Settles, string CsvLine);

/// <summary>What the close callback returns once every line was added.</summary>
/// <param name="LineCount">How many lines were added.</param>
/// <param name="TotalsJson">The totals.</param>
/// <param name="ContentHash">The content hash.</param>
public sealed record StatementContent(int LineCount, string TotalsJson, string ContentHash);

/// <summary>A page request over closed statements, by number.</summary>
public sealed record StatementListQuery
{
    /// <summary>Only statements of this CPO.</summary>
    public PartyKey? Cpo { get; init; }

    /// <summary>Only statements of this EMSP.</summary>
    public PartyKey? Emsp { get; init; }

    /// <summary>Only statements numbered above this.</summary>
    public long AfterNumber { get; init; }

    /// <summary>At most this many.</summary>
    public required int Limit { get; init; }
}

/// <summary>A dispute about one CDR (at most one per CDR).</summary>
public sealed record DisputeRecord
{
    /// <summary>Hub-wide id.</summary>
    public required long Id { get; init; }

    /// <summary>The CPO of the CDR.</summary>
    public required PartyKey Cpo { get; init; }

    /// <summary>The disputed CDR's id.</summary>
    public required string CdrId { get; init; }

    /// <summary>The EMSP of the CDR.</summary>
    public required PartyKey Emsp { get; init; }

    /// <summary>The CDR's currency.</summary>
    public required string Currency { get; init; }

    /// <summary>The CDR's end time (its period).</summary>
    public required DateTimeOffset CdrEnd { get; init; }

    /// <summary>Where it stands.</summary>
    public required DisputeState State { get; init; }

    /// <summary>Who opened it (for example "EMSP DE-XYZ-EMSP" or "hub").</summary>
    public required string OpenedBy { get; init; }

    /// <summary>Why it was opened.</summary>
    public required string Reason { get; init; }

    /// <summary>When it was opened.</summary>
    public required DateTimeOffset OpenedAt { get; init; }

    /// <summary>When it last moved.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Number of changes so far (1 after opening); moves are checked against it.</summary>
    public required int Version { get; init; }

    /// <summary>For REVISED: the CPO's credit CDR.</summary>
    public string? CreditCdrId { get; init; }

    /// <summary>For REVISED: the CPO's new CDR.</summary>
    public string? NewCdrId { get; init; }
}

/// <summary>One recorded change of a dispute: who, when, why.</summary>
public sealed record DisputeEvent
{
    /// <summary>The dispute.</summary>
    public required long DisputeId { get; init; }

    /// <summary>The dispute's version after this change (1 = opened).</summary>
    public required int Version { get; init; }

    /// <summary>When.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>Who (for example "CPO NL-ABC-CPO", "operator", "hub").</summary>
    public required string Actor { get; init; }

    /// <summary>The state before; null for the opening.</summary>
    public DisputeState? From { get; init; }

    /// <summary>The state after.</summary>
    public required DisputeState To { get; init; }

    /// <summary>Why.</summary>
    public required string Reason { get; init; }
}

/// <summary>A page request over disputes, by id.</summary>
public sealed record DisputeQuery
{
    /// <summary>Only disputes of this CPO.</summary>
    public PartyKey? Cpo { get; init; }

    /// <summary>Only disputes of this EMSP.</summary>
    public PartyKey? Emsp { get; init; }

    /// <summary>Only disputes in this state.</summary>
    public DisputeState? State { get; init; }

    /// <summary>Only disputes with a larger id.</summary>
    public long AfterId { get; init; }

    /// <summary>At most this many.</summary>
    public required int Limit { get; init; }
}

/// <summary>
/// Durable settlement data beside the CDRs (same SQLite file / PostgreSQL database): closed statements with their
/// lines, which CDR each statement settled (a CDR is settled at most once), disputes with their history (the audit
/// log is <see cref="Operations.IAuditStore"/>). Closed statements are never updated: there is no method that could.
/// </summary>
public interface ISettlementStore
{

    /// <summary>Every closed statement of one CPO, EMSP and currency, by period.</summary>
    Task<IReadOnlyList<ClosedStatement>> ListClosedAsync(PartyKey cpo, PartyKey emsp, string currency, CancellationToken cancellationToken = default);

    /// <summary>One closed statement, or null.</summary>
    Task<ClosedStatement?> GetStatementAsync(long number, CancellationToken cancellationToken = default);

    /// <summary>One page of closed statements by number.</summary>
    Task<IReadOnlyList<ClosedStatement>> ListStatementsAsync(StatementListQuery query, CancellationToken cancellationToken = default);

    /// <summary>Which of the CPO's <paramref name="cdrIds"/> a closed statement has settled.</summary>
    Task<IReadOnlySet<string>> FindSettledAsync(PartyKey cpo, IReadOnlyCollection<string> cdrIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// Closes a statement atomically, one closer at a time per CPO/EMSP/currency: when a statement with exactly this key
    /// exists it is returned (<c>Created</c> false) and <paramref name="build"/> is not called; a closed statement
    /// whose period overlaps is a <see cref="Errors.HubException"/> (FailedPrecondition); otherwise <paramref name="build"/>
    /// adds the lines through the callback and the header, lines and settled CDRs commit together. A CDR another
    /// statement has settled makes the close fail (nothing written).
    /// </summary>
    Task<(ClosedStatement Statement, bool Created)> CloseAsync(
        StatementKey key, string closedBy, DateTimeOffset closedAt,
        Func<Func<StatementLineRow, Task>, CancellationToken, Task<StatementContent>> build,
        CancellationToken cancellationToken = default);

    /// <summary>The CSV lines of a closed statement in order (without the header).</summary>
    IAsyncEnumerable<string> ReadLinesAsync(long number, CancellationToken cancellationToken = default);

    /// <summary>The disputes of the CPO's <paramref name="cdrIds"/> that exist, by CDR id.</summary>
    Task<IReadOnlyDictionary<string, DisputeRecord>> FindDisputesAsync(PartyKey cpo, IReadOnlyCollection<string> cdrIds, CancellationToken cancellationToken = default);

    /// <summary>One dispute, or null.</summary>
    Task<DisputeRecord?> GetDisputeAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens a dispute (its <c>Id</c> is assigned) with its first event, in one transaction. When the CDR already has a
    /// dispute, nothing is written and the existing one is returned (<c>Created</c> false).
    /// </summary>
    Task<(DisputeRecord Dispute, bool Created)> OpenDisputeAsync(DisputeRecord draft, string actor, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves a dispute and records the event, in one transaction, only if its version is still
    /// <c>updated.Version - 1</c>; returns false (nothing written) when someone moved it meanwhile.
    /// </summary>
    Task<bool> MoveDisputeAsync(DisputeRecord updated, DisputeEvent change, CancellationToken cancellationToken = default);

    /// <summary>One page of disputes by id.</summary>
    Task<IReadOnlyList<DisputeRecord>> ListDisputesAsync(DisputeQuery query, CancellationToken cancellationToken = default);

    /// <summary>The history of one dispute, oldest first.</summary>
    Task<IReadOnlyList<DisputeEvent>> ListDisputeEventsAsync(long disputeId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Data quality: how many stored CDRs ending at or after <paramref name="since"/> the hub flagged
    /// <paramref name="check"/> (MISMATCH unless given), and up to <paramref name="examples"/> of them (newest first) as
    /// (CPO, CDR id).
    /// </summary>
    Task<(long Count, IReadOnlyList<(PartyKey Cpo, string CdrId)> Examples)> FindPriceMismatchesAsync(DateTimeOffset since, int examples, Cdrs.PriceCheck check = Cdrs.PriceCheck.Mismatch, CancellationToken cancellationToken = default);
}
