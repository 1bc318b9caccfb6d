using ClearingHouse.Domain.Parties;

namespace ClearingHouse.Grains.Cdrs;

/// <summary>
/// The durable CDR store: SQLite in the Embedded profile, PostgreSQL (partitioned by day) in the Cluster
/// profile. Shaped like a wide-column store's access paths (by CPO, by EMSP, each ordered by time) so
/// that another backend can implement it. Every write is durable (committed) before its task completes.
/// </summary>
public interface ICdrStore
{

    /// <summary>
    /// Stores one CPO's CDRs in one transaction, idempotently on (CPO, CDR id): a CDR whose id the CPO has
    /// stored before is left as it was, whatever its other fields say. Returns the ids that were newly
    /// stored; the others were duplicates. The ids in <paramref name="cdrs"/> must be distinct and all of
    /// <paramref name="cpo"/>. Concurrent calls with the same ids store each CDR exactly once.
    /// </summary>
    Task<IReadOnlySet<string>> InsertAsync(PartyKey cpo, IReadOnlyList<StoredCdr> cdrs, CancellationToken cancellationToken = default);

    /// <summary>One CDR of a CPO, or null.</summary>
    Task<StoredCdr?> GetAsync(PartyKey cpo, string id, CancellationToken cancellationToken = default);

    /// <summary>Which of <paramref name="ids"/> the CPO has stored.</summary>
    Task<IReadOnlySet<string>> FindExistingAsync(PartyKey cpo, IReadOnlyCollection<string> ids, CancellationToken cancellationToken = default);

    /// <summary>One page of CDRs in <see cref="CdrCursor"/> order (end_date_time, CPO, id).</summary>
    Task<IReadOnlyList<StoredCdr>> ListAsync(CdrQuery query, CancellationToken cancellationToken = default);

    /// <summary>How many CDRs match the filters of <paramref name="query"/> (its position and limit are ignored): a paged list's total.</summary>
    Task<long> CountAsync(CdrQuery query, CancellationToken cancellationToken = default);
}

/// <summary>What the hub found when it priced a CDR again from its tariff.</summary>
public enum PriceCheck
{
    /// <summary>The declared total_cost is within the tolerance of the hub's price.</summary>
    Matched = 1,

    /// <summary>The declared total_cost, or a cost component or volume, differs from the hub's beyond the tolerance: flagged for dispute.</summary>
    Mismatch = 2,

    /// <summary>The CDR names no tariff (or several), so the hub could not price it.</summary>
    NotChecked = 3,

    /// <summary>The session started outside the validity window of the tariff (version) in force: not priced with it; flagged.</summary>
    TariffNotActive = 4,

    /// <summary>The price matches, but the connector the CDR names did not list the tariff when the session started: flagged.</summary>
    TariffNotListed = 5,

    /// <summary>The price matches, but the connector listed another active tariff of the same type when the session started (one per type is allowed): flagged.</summary>
    TariffConflict = 6,
}

/// <summary>A CDR as the hub stores it: the indexed fields, the hub's verdict and the OCPI document itself.</summary>
public sealed record StoredCdr
{
    /// <summary>The CPO that submitted it.</summary>
    public required PartyKey Cpo { get; init; }

    /// <summary>The CPO's CDR id (OCPI <c>id</c>).</summary>
    public required string Id { get; init; }

    /// <summary>The EMSP it belongs to (issuer of <c>cdr_token</c>).</summary>
    public required PartyKey Emsp { get; init; }

    /// <summary>Session start (UTC).</summary>
    public required DateTimeOffset StartDateTime { get; init; }

    /// <summary>Session end (UTC): the CDR's position in time for lists and partitions.</summary>
    public required DateTimeOffset EndDateTime { get; init; }

    /// <summary>ISO 4217 currency.</summary>
    public required string Currency { get; init; }

    /// <summary>Declared total_cost excl. VAT.</summary>
    public required decimal TotalCostExclVat { get; init; }

    /// <summary>Declared total_cost incl. VAT, when given.</summary>
    public decimal? TotalCostInclVat { get; init; }

    /// <summary>Whether it is a credit CDR.</summary>
    public bool Credit { get; init; }

    /// <summary>The CDR a credit CDR corrects.</summary>
    public string? CreditReferenceId { get; init; }

    /// <summary>The tariff the hub priced it with, when it could.</summary>
    public string? TariffId { get; init; }

    /// <summary>The hub's verdict on the declared price.</summary>
    public required PriceCheck PriceCheck { get; init; }

    /// <summary>The hub's breakdown (OCPI-style JSON of the pricing result) when it priced the CDR.</summary>
    public string? HubPriceJson { get; init; }

    /// <summary>When the hub stored it (UTC).</summary>
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>The OCPI CDR JSON as the CPO submitted it.</summary>
    public required string OcpiJson { get; init; }

    /// <summary>This CDR's position in list order.</summary>
    public CdrCursor Cursor => new(EndDateTime, Cpo.CountryCode, Cpo.PartyId, Id);
}

/// <summary>A position in the list order of CDRs: (end_date_time, CPO country, CPO party, id).</summary>
public readonly record struct CdrCursor(DateTimeOffset EndDateTime, string CpoCountryCode, string CpoPartyId, string Id);

/// <summary>A page request over stored CDRs; every set filter must hold.</summary>
public sealed record CdrQuery
{
    /// <summary>Only CDRs of this CPO.</summary>
    public PartyKey? Cpo { get; init; }

    /// <summary>Only CDRs of this EMSP.</summary>
    public PartyKey? Emsp { get; init; }

    /// <summary>Only CDRs ending at or after this instant.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Only CDRs ending before this instant.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Only CDRs after this position (keyset paging).</summary>
    public CdrCursor? After { get; init; }

    /// <summary>How many at most.</summary>
    public required int Limit { get; init; }
}
