using ClearingHouse.Domain.Cdrs;

namespace ClearingHouse.Application.Cdrs;

/// <summary>CDR ingestion settings (section <c>Cdrs</c>).</summary>
public sealed record CdrOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Cdrs";

    /// <summary>
    /// How far (in the CDR's currency, excl. and incl. VAT separately) each declared cost (total_cost and every
    /// component) may be from the hub's before the CDR is flagged as a price mismatch, for a currency not in
    /// <see cref="CurrencyTolerances"/>. Default (unset): one minor unit of the currency (0.01 EUR, 1 JPY, 0.001 KWD).
    /// </summary>
    public decimal? PriceTolerance { get; init; }

    /// <summary>Tolerances by ISO 4217 code (for example <c>Cdrs:CurrencyTolerances:EUR = 0.05</c>), overriding <see cref="PriceTolerance"/>.</summary>
    public Dictionary<string, decimal> CurrencyTolerances { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Tolerance on the declared <c>total_energy</c>, kWh. Default 0.001 (1 Wh).</summary>
    public decimal EnergyToleranceKwh { get; init; } = 0.001m;

    /// <summary>Tolerance on the declared <c>total_time</c> and <c>total_parking_time</c>, hours. Default 0.001 (3.6 s).</summary>
    public decimal TimeToleranceHours { get; init; } = 0.001m;

    /// <summary>
    /// Whether a cost component a CDR leaves out (OCPI makes them optional) counts as a declared 0 and is compared
    /// with the hub's. Default false: only the components a CDR declares are compared (its total and volumes always).
    /// </summary>
    public bool CompareOmittedCosts { get; init; }

    /// <summary>The price check these settings make (tolerances per currency and per volume).</summary>
    public PriceCheckOptions ToPriceCheckOptions() => new()
    {
        DefaultTolerance = PriceTolerance,
        CurrencyTolerances = new Dictionary<string, decimal>(CurrencyTolerances, StringComparer.Ordinal),
        EnergyToleranceKwh = EnergyToleranceKwh,
        TimeToleranceHours = TimeToleranceHours,
        OmittedCostsCountAsZero = CompareOmittedCosts,
    };

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
