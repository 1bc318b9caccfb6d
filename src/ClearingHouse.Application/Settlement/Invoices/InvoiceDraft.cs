using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tariffs;
using ClearingHouse.Grains.Invoices;

namespace ClearingHouse.Application.Settlement.Invoices;

/// <summary>One line of a submitted invoice, as the edge received it (amounts unparsed, so a bad one is a line's reason).</summary>
/// <param name="CdrId">The CPO's CDR id.</param>
/// <param name="ExclVat">Amount excluding VAT, a decimal text; a credit CDR's is negative, as on statements.</param>
/// <param name="InclVat">Amount including VAT, a decimal text, or empty when not given.</param>
/// <param name="Currency">ISO 4217 currency of the amounts.</param>
public sealed record InvoiceLineDraft(string CdrId, string ExclVat, string? InclVat, string Currency);

/// <summary>What the invoice says it adds up to in one currency.</summary>
/// <param name="Currency">ISO 4217 currency.</param>
/// <param name="ExclVat">Sum excluding VAT, a decimal text.</param>
/// <param name="InclVat">Sum including VAT, a decimal text, or empty when not given.</param>
public sealed record InvoiceTotalDraft(string Currency, string ExclVat, string? InclVat);

/// <summary>An invoice a party submits (OCPI 2.3 InvoiceReconciliationRecord with amounts); the owner is the caller.</summary>
public sealed record InvoiceDraft
{
    /// <summary>The owner's record id (OCPI <c>id</c>), 1 to 36 characters, unique per owner.</summary>
    public required string Id { get; init; }

    /// <summary>The owner's invoice (OCPI <c>invoice_id</c>), 1 to 255 characters.</summary>
    public required string InvoiceId { get; init; }

    /// <summary>The other side of the agreement pair (an EMSP for a CPO's invoice, a CPO for an EMSP's); null: not given.</summary>
    public PartyKey? Counterparty { get; init; }

    /// <summary>A closed statement every CDR must have been settled by; null: checked against the stored CDRs only.</summary>
    public long? StatementNumber { get; init; }

    /// <summary>OCPI <c>last_updated</c>; null: the time the hub received it.</summary>
    public DateTimeOffset? LastUpdated { get; init; }

    /// <summary>The invoiced CDRs with their amounts (OCPI <c>cdrs</c>).</summary>
    public required IReadOnlyList<InvoiceLineDraft> Lines { get; init; }

    /// <summary>The totals per currency the invoice declares.</summary>
    public required IReadOnlyList<InvoiceTotalDraft> Totals { get; init; }
}

/// <summary>A problem with one field, named by its path (<c>cdrs[2].amount.currency</c>, <c>totals[0].excl_vat</c>).</summary>
/// <param name="Field">The field at fault.</param>
/// <param name="Description">What is wrong, for a person to read.</param>
public sealed record InvoiceProblem(string Field, string Description);

/// <summary>The hub's answer for one line.</summary>
/// <param name="Index">Position in the invoice (0-based).</param>
/// <param name="CdrId">The CDR the line names.</param>
/// <param name="Reasons">Every problem found; empty when the line is accepted.</param>
/// <param name="Price">The line's amount beside the hub's price of its CDR; null when the line names no CDR of the pair or has no readable amount.</param>
public sealed record InvoiceLineResult(int Index, string CdrId, IReadOnlyList<InvoiceProblem> Reasons, InvoiceLinePrice? Price = null)
{
    /// <summary>Whether the line passed every check.</summary>
    public bool Accepted => Reasons.Count == 0;
}

/// <summary>
/// The answer to a submission. Nothing partial: the invoice is stored only when every line and every total passed
/// (<see cref="Reconciled"/>); otherwise nothing is stored and the lines and totals say why.
/// </summary>
/// <param name="Reconciled">Whether every check passed and the invoice is stored.</param>
/// <param name="Created">Whether this call stored it (false when the same record was stored before, or when refused).</param>
/// <param name="Invoice">The stored invoice; null when refused.</param>
/// <param name="Lines">One result per line, in the invoice's order.</param>
/// <param name="Totals">Problems with the declared totals per currency.</param>
/// <param name="HubComparison">Per currency, what the lines invoice against the hub's own prices of their CDRs.</param>
public sealed record InvoiceSubmission(bool Reconciled, bool Created, InvoiceRecord? Invoice, IReadOnlyList<InvoiceLineResult> Lines, IReadOnlyList<InvoiceProblem> Totals, IReadOnlyList<InvoiceHubComparison>? HubComparison = null);

/// <summary>One line's amount beside the hub's price of its CDR (<see cref="InvoiceRules.ComparePrice"/>).</summary>
/// <param name="PriceCheck">The CDR's price check at ingest (MATCHED, MISMATCH, NOT_CHECKED, ...).</param>
/// <param name="Currency">The CDR's currency.</param>
/// <param name="Invoiced">The line's amount (incl. VAT: the CDR's when the line gives none), signed as on statements.</param>
/// <param name="Hub">The hub's price of the CDR, signed the same way; null when the hub did not price it.</param>
/// <param name="Difference">Invoiced minus hub; null when the hub did not price it.</param>
/// <param name="WithinTolerance">Whether both differences are within the currency's price tolerance (true when there is no hub price).</param>
public sealed record InvoiceLinePrice(string PriceCheck, string Currency, Cost Invoiced, Cost? Hub, Cost? Difference, bool WithinTolerance);

/// <summary>Per currency: the lines whose CDR the hub priced, invoiced against the hub's prices.</summary>
/// <param name="Currency">ISO 4217 currency.</param>
/// <param name="Invoiced">Sum of those lines' amounts.</param>
/// <param name="Hub">Sum of the hub's prices of their CDRs.</param>
/// <param name="Difference">Invoiced minus hub.</param>
/// <param name="Unpriced">Lines in this currency whose CDR the hub did not price (not in the sums).</param>
public sealed record InvoiceHubComparison(string Currency, Cost Invoiced, Cost Hub, Cost Difference, int Unpriced);
