namespace ClearingHouse.Application.Cdrs;

/// <summary>CDR ingestion settings (section <c>Cdrs</c>).</summary>
public sealed record CdrOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Cdrs";

    /// <summary>
    /// How far (in the CDR's currency, excl. and incl. VAT separately) a declared total_cost may be from the
    /// hub's price before the CDR is flagged as a price mismatch. Default 0.01.
    /// </summary>
    public decimal PriceTolerance { get; init; } = 0.01m;

    /// <summary>Most CDRs in one batch (one SubmitCdrs message or one SubmitCdrBatch call). Default 1000.</summary>
    public int MaxBatchSize { get; init; } = 1000;

    /// <summary>Most CDRs in one SubscribeCdrs message (one store read). Default 100.</summary>
    public int SubscriberBatchSize { get; init; } = 100;

    /// <summary>
    /// Most CDRs read ahead for one subscriber and not yet written to its stream. Default 5,000. When the queue is
    /// full for <see cref="SubscriberStallTimeout"/> the subscriber is cut with ResourceExhausted and resumes with
    /// its cursor; memory per subscriber stays bounded either way.
    /// </summary>
    public int SubscriberQueueCdrs { get; init; } = 5_000;

    /// <summary>How long a subscriber's queue may stay full before it is cut. Default 30 s.</summary>
    public TimeSpan SubscriberStallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often a subscriber looks at the store without being told of new CDRs (a safety net for a lost
    /// notification, and on PostgreSQL for CDRs held back behind a still-running transaction). Default 1 s.
    /// </summary>
    public TimeSpan SubscriberPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a silo keeps the time zone of a location (or the fact that the hub does not know it) for pricing
    /// CDRs. A location put or patched through the same silo is forgotten at once; through another silo, CDRs may
    /// be priced with the older answer for this long. Default 1 min.
    /// </summary>
    public TimeSpan LocationTimeZoneTtl { get; init; } = TimeSpan.FromMinutes(1);
}
