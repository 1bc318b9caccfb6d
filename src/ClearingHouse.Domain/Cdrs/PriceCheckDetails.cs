namespace ClearingHouse.Domain.Cdrs;

/// <summary>
/// What the hub records of its check of one CDR beside its breakdown: the verdict, which version of which tariff it
/// priced with and why that one, every figure that differs, and any note (a tariff not active or not listed by the
/// connector). Stored with the breakdown by <see cref="Tariffs.PricingResultJson"/>.
/// </summary>
public sealed record PriceCheckDetails
{
    /// <summary>The verdict.</summary>
    public required PriceCheckVerdict Verdict { get; init; }

    /// <summary>The id of the tariff the hub priced with (or found not active).</summary>
    public string? TariffId { get; init; }

    /// <summary>The <c>last_updated</c> of the version of that tariff the hub used; null when the stored tariff had none.</summary>
    public DateTimeOffset? TariffLastUpdated { get; init; }

    /// <summary>Why that version, in words (in force at the session's start, named by the CDR, or the only one known).</summary>
    public string? TariffVersionNote { get; init; }

    /// <summary>Every figure that differs beyond its tolerance (<see cref="CdrPriceCheckResult.Differences"/>).</summary>
    public IReadOnlyList<ComponentDifference> Differences { get; init; } = [];

    /// <summary>
    /// Why the tariff was not used (not active at the session's start), or that the connector did not list it, or that
    /// the hub could not tell; null when there is nothing to say.
    /// </summary>
    public string? Note { get; init; }

    /// <summary>One line per difference, for a dispute reason or a statement: <c>total_energy_cost.excl_vat declared 4.00 hub 5.00</c>.</summary>
    public string DescribeDifferences(string currency) => string.Join("; ", Differences.Select(d => d.Basis == AmountBasis.Volume
        ? FormattableString.Invariant($"{d.Field} declared {d.Declared} hub {d.Hub}")
        : FormattableString.Invariant($"{d.Field} declared {d.Declared} hub {d.Hub} {currency}")));
}
