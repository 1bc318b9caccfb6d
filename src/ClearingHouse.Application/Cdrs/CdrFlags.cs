using ClearingHouse.Domain.Cdrs;
using ClearingHouse.Domain.Tariffs;
using ClearingHouse.Grains.Cdrs;

namespace ClearingHouse.Application.Cdrs;

/// <summary>
/// Which price checks flag a CDR for dispute, and the words a flag carries: one place for ingest, statements (the hub
/// opens a dispute for each flagged CDR a statement covers) and findings.
/// </summary>
public static class CdrFlags
{
    /// <summary>
    /// Whether the hub flags a CDR with this check: a figure differs (MISMATCH), the tariff was not active when the
    /// session started (TARIFF_NOT_ACTIVE), or the connector did not list it (TARIFF_NOT_LISTED) or listed another active tariff of its type (TARIFF_CONFLICT).
    /// </summary>
    public static bool IsFlagged(PriceCheck check) => check is PriceCheck.Mismatch or PriceCheck.TariffNotActive or PriceCheck.TariffNotListed or PriceCheck.TariffConflict;

    /// <summary>The OCPI-style name of a check (MATCHED, MISMATCH, TARIFF_NOT_ACTIVE, TARIFF_NOT_LISTED, TARIFF_CONFLICT, NOT_CHECKED).</summary>
    public static string Name(PriceCheck check) => check switch
    {
        PriceCheck.Matched => "MATCHED",
        PriceCheck.Mismatch => "MISMATCH",
        PriceCheck.TariffNotActive => "TARIFF_NOT_ACTIVE",
        PriceCheck.TariffNotListed => "TARIFF_NOT_LISTED",
        PriceCheck.TariffConflict => "TARIFF_CONFLICT",
        _ => "NOT_CHECKED",
    };

    /// <summary>
    /// What a flag says, for a dispute's reason or a log line: every differing figure with declared and hub values,
    /// then any note (a tariff not active or not listed), then the version priced with.
    /// </summary>
    public static string Describe(PriceCheckDetails? check, string currency)
    {
        if (check is null)
        {
            return "no check recorded";
        }

        var parts = new List<string>(3);
        if (check.Differences.Count > 0)
        {
            parts.Add(check.DescribeDifferences(currency));
        }

        if (check.Note is { Length: > 0 } note)
        {
            parts.Add(note);
        }

        if (check.TariffId is { } id)
        {
            parts.Add(check.TariffLastUpdated is { } at
                ? FormattableString.Invariant($"tariff {id} of {at.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}")
                : $"tariff {id}");
        }

        return string.Join("; ", parts);
    }

    /// <summary>The dispute reason the hub gives a flagged stored CDR (read back from its stored check).</summary>
    public static string DisputeReason(StoredCdr cdr)
    {
        ArgumentNullException.ThrowIfNull(cdr);
        var (price, check) = PricingResultJson.DeserializeWithCheck(cdr.HubPriceJson);
        var hubTotal = price?.Total;
        var head = cdr.PriceCheck == PriceCheck.Mismatch
            ? $"price mismatch: declared {cdr.TotalCostExclVat} {cdr.Currency} excl. VAT, hub price {hubTotal?.ExclVat} {cdr.Currency}"
            : $"{Name(cdr.PriceCheck).ToLowerInvariant().Replace('_', ' ')}";
        return check is null ? head : $"{head}; {Describe(check, cdr.Currency)}";
    }
}
