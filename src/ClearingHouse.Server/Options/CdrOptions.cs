namespace ClearingHouse.Server.Options;

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
}
