using System.Globalization;
using ClearingHouse.Application.Cdrs;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Settlement;
using ClearingHouse.Domain.Tariffs;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Invoices;
using ClearingHouse.Grains.Settlement;

namespace ClearingHouse.Application.Settlement.Invoices;

/// <summary>What the hub knows about the CDR an invoice line names, gathered before the line is checked.</summary>
/// <param name="Cdr">The stored CDR of the pair's CPO with that id, or null.</param>
/// <param name="Dispute">Its dispute, if it has one.</param>
/// <param name="InvoicedBy">The number of the invoice that already invoiced it, if any.</param>
/// <param name="SettledBy">The number of the closed statement that settled it, if any.</param>
public sealed record InvoiceLineFacts(StoredCdr? Cdr, DisputeRecord? Dispute, long? InvoicedBy, long? SettledBy);

/// <summary>
/// The reconciliation rules, free of I/O: each line against the stored CDR it names, and the declared totals against the
/// lines. Amounts compare as exact decimals (2.5 equals 2.50) and are signed as on statements: a credit CDR's amount is
/// negative whatever sign the CPO used in the CDR.
/// </summary>
public static class InvoiceRules
{
    /// <summary>Longest OCPI <c>id</c>.</summary>
    public const int MaxIdLength = 36;

    /// <summary>Longest OCPI <c>invoice_id</c>.</summary>
    public const int MaxInvoiceIdLength = 255;

    /// <summary>Most lines one invoice may have.</summary>
    public const int MaxLines = 10_000;

    /// <summary>The amount a CDR is invoiced for: its declared total_cost, signed as on statements (incl. VAT = excl. VAT when it gives none).</summary>
    public static Cost Amount(StoredCdr cdr)
    {
        ArgumentNullException.ThrowIfNull(cdr);
        decimal Sign(decimal v) => cdr.Credit ? -Math.Abs(v) : v;
        return new Cost(Sign(cdr.TotalCostExclVat), Sign(cdr.TotalCostInclVat ?? cdr.TotalCostExclVat));
    }

    /// <summary>
    /// The hub's own price of the CDR a line names, signed as <see cref="Amount"/>: the total it computed at ingest from
    /// the tariff version in force when the session started; null when it did not price the CDR (NOT_CHECKED, or a
    /// tariff not active).
    /// </summary>
    public static Cost? HubAmount(StoredCdr cdr)
    {
        ArgumentNullException.ThrowIfNull(cdr);
        if (CdrIngestor.DeserializeBreakdown(cdr.HubPriceJson)?.Total is not { } hub)
        {
            return null;
        }

        decimal Sign(decimal v) => cdr.Credit ? -Math.Abs(v) : v;
        return new Cost(Sign(hub.ExclVat), Sign(hub.InclVat));
    }

    /// <summary>
    /// A line's amount beside the hub's price of its CDR (<see cref="HubAmount"/>): the difference (line minus hub) and
    /// whether it is within the price tolerance of the currency (<c>Cdrs:PriceTolerance</c>, <c>Cdrs:CurrencyTolerances</c>),
    /// excl. and incl. VAT. Reported, never a refusal on its own: a CDR whose declared price is beyond the tolerance is
    /// flagged at ingest and refused as disputed until a dispute settles it, and then the settled amount is what is owed.
    /// </summary>
    public static InvoiceLinePrice ComparePrice(StoredCdr cdr, Cost invoiced, decimal tolerance)
    {
        ArgumentNullException.ThrowIfNull(cdr);
        var hub = HubAmount(cdr);
        var difference = hub is { } h ? new Cost(invoiced.ExclVat - h.ExclVat, invoiced.InclVat - h.InclVat) : (Cost?)null;
        var within = difference is not { } d || (Math.Abs(d.ExclVat) <= tolerance && Math.Abs(d.InclVat) <= tolerance);
        return new InvoiceLinePrice(CdrFlags.Name(cdr.PriceCheck), cdr.Currency, invoiced, hub, difference, within);
    }

    /// <summary>Per currency, the lines' amounts against the hub's prices of their CDRs (lines whose CDR the hub did not price counted apart).</summary>
    public static IReadOnlyList<InvoiceHubComparison> CompareTotals(IEnumerable<InvoiceLinePrice> prices)
    {
        ArgumentNullException.ThrowIfNull(prices);
        return prices.GroupBy(p => p.Currency, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var priced = g.Where(p => p.Hub is not null).ToList();
                var invoiced = priced.Aggregate(Cost.Zero, (sum, p) => sum + p.Invoiced);
                var hub = priced.Aggregate(Cost.Zero, (sum, p) => sum + p.Hub!.Value);
                return new InvoiceHubComparison(g.Key, invoiced, hub, new Cost(invoiced.ExclVat - hub.ExclVat, invoiced.InclVat - hub.InclVat), g.Count() - priced.Count);
            })
            .ToList();
    }

    /// <summary>A decimal text as the invoice gives it, or null with a problem naming <paramref name="field"/>.</summary>
    public static decimal? ParseAmount(string? text, string field, List<InvoiceProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (decimal.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        problems.Add(new InvoiceProblem(field, string.IsNullOrEmpty(text) ? "is required" : $"'{text}' is not a decimal amount"));
        return null;
    }

    /// <summary>
    /// Every problem of line <paramref name="index"/>: the CDR is known and of the pair (<paramref name="cpo"/>,
    /// <paramref name="emsp"/>), not disputed, not invoiced already, settled by <paramref name="statement"/> when one is
    /// named, in the line's currency (and the statement's), for exactly the line's amounts. An unknown CDR and a CDR of
    /// another pair get the same answer, so an invoice learns nothing of other parties' CDRs.
    /// </summary>
    public static IReadOnlyList<InvoiceProblem> CheckLine(int index, InvoiceLineDraft line, PartyKey cpo, PartyKey emsp, InvoiceLineFacts facts, ClosedStatement? statement)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(facts);
        var at = $"cdrs[{index}]";
        var problems = new List<InvoiceProblem>();
        if (string.IsNullOrEmpty(line.CdrId))
        {
            problems.Add(new InvoiceProblem($"{at}.cdr_id", "is required"));
            return problems;
        }

        var excl = ParseAmount(line.ExclVat, $"{at}.amount.excl_vat", problems);
        var incl = string.IsNullOrEmpty(line.InclVat) ? null : ParseAmount(line.InclVat, $"{at}.amount.incl_vat", problems);
        if (facts.Cdr is not { } cdr || cdr.Emsp != emsp)
        {
            problems.Add(new InvoiceProblem($"{at}.cdr_id", $"there is no CDR '{line.CdrId}' of {cpo} for {emsp}"));
            return problems;
        }

        if (facts.Dispute is { } dispute && DisputeRules.KeepsCdrApart(dispute.State))
        {
            problems.Add(new InvoiceProblem($"{at}.cdr_id", $"CDR '{cdr.Id}' is disputed (dispute {dispute.Id}, {DisputeRules.Name(dispute.State)}): it is not payable until the dispute is settled"));
        }
        else if (facts.Dispute is null && CdrFlags.IsFlagged(cdr.PriceCheck))
        {
            // The statement's rule: a CDR the hub flagged (a figure, or its tariff not active, not listed or in conflict)
            // counts as disputed until a dispute settles it.
            problems.Add(new InvoiceProblem($"{at}.cdr_id", $"CDR '{cdr.Id}' is disputed: the hub flagged it {CdrFlags.Name(cdr.PriceCheck)}"));
        }

        if (facts.InvoicedBy is { } invoice)
        {
            problems.Add(new InvoiceProblem($"{at}.cdr_id", $"CDR '{cdr.Id}' is already invoiced by invoice {invoice}"));
        }

        if (statement is not null && facts.SettledBy != statement.Number)
        {
            problems.Add(new InvoiceProblem($"{at}.cdr_id", facts.SettledBy is { } other
                ? $"CDR '{cdr.Id}' was settled by statement {other}, not statement {statement.Number}"
                : $"CDR '{cdr.Id}' is not settled by statement {statement.Number} (no closed statement settled it)"));
        }

        if (line.Currency != cdr.Currency)
        {
            problems.Add(new InvoiceProblem($"{at}.amount.currency", $"'{line.Currency}' differs from the CDR's currency {cdr.Currency}"));
        }
        else if (statement is not null && line.Currency != statement.Key.Currency)
        {
            problems.Add(new InvoiceProblem($"{at}.amount.currency", $"'{line.Currency}' differs from statement {statement.Number}'s currency {statement.Key.Currency}"));
        }

        var expected = Amount(cdr);
        if (excl is { } e && e != expected.ExclVat)
        {
            problems.Add(new InvoiceProblem($"{at}.amount.excl_vat", $"{Text(e)} differs from the CDR's total_cost {Text(expected.ExclVat)} {cdr.Currency} excl. VAT"));
        }

        if (incl is { } i && i != expected.InclVat)
        {
            problems.Add(new InvoiceProblem($"{at}.amount.incl_vat", $"{Text(i)} differs from the CDR's total_cost {Text(expected.InclVat)} {cdr.Currency} incl. VAT"));
        }

        return problems;
    }

    /// <summary>
    /// The totals per currency of the lines (<see cref="InvoiceFlow"/> builds them: a line without incl. VAT counts the
    /// CDR's), against <paramref name="declared"/>: one declared total per currency of the lines, none for another currency,
    /// each equal to the lines' sum. Returns the sums and the problems.
    /// </summary>
    public static (IReadOnlyList<InvoiceTotalRecord> Sums, IReadOnlyList<InvoiceProblem> Problems) CheckTotals(
        IReadOnlyList<InvoiceLineRecord> lines, IReadOnlyList<InvoiceTotalDraft> declared)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(declared);
        var sums = lines.GroupBy(l => l.Currency, StringComparer.Ordinal)
            .Select(g => new InvoiceTotalRecord(g.Key, g.Sum(l => l.ExclVat), g.Sum(l => l.InclVat)))
            .OrderBy(t => t.Currency, StringComparer.Ordinal)
            .ToList();
        var problems = new List<InvoiceProblem>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < declared.Count; i++)
        {
            var total = declared[i];
            var at = $"totals[{i}]";
            if (seen.TryGetValue(total.Currency ?? "", out var first))
            {
                problems.Add(new InvoiceProblem($"{at}.currency", $"{total.Currency} is declared twice (also totals[{first}])"));
                continue;
            }

            seen[total.Currency ?? ""] = i;
            var excl = ParseAmount(total.ExclVat, $"{at}.excl_vat", problems);
            var incl = string.IsNullOrEmpty(total.InclVat) ? null : ParseAmount(total.InclVat, $"{at}.incl_vat", problems);
            if (sums.FirstOrDefault(s => s.Currency == total.Currency) is not { } sum)
            {
                problems.Add(new InvoiceProblem($"{at}.currency", $"no line is in '{total.Currency}'"));
                continue;
            }

            if (excl is { } e && e != sum.ExclVat)
            {
                problems.Add(new InvoiceProblem($"{at}.excl_vat", $"{Text(e)} differs from the sum of the lines in {sum.Currency}, {Text(sum.ExclVat)}"));
            }

            if (incl is { } v && v != sum.InclVat)
            {
                problems.Add(new InvoiceProblem($"{at}.incl_vat", $"{Text(v)} differs from the sum of the lines in {sum.Currency}, {Text(sum.InclVat)}"));
            }
        }

        foreach (var sum in sums.Where(s => !seen.ContainsKey(s.Currency)))
        {
            problems.Add(new InvoiceProblem("totals", $"no total is declared for {sum.Currency} (the lines add up to {Text(sum.ExclVat)} excl. VAT)"));
        }

        return (sums, problems);
    }

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
