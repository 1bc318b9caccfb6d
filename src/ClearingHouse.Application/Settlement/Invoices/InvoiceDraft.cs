using ClearingHouse.Domain.Parties;
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
public sealed record InvoiceLineResult(int Index, string CdrId, IReadOnlyList<InvoiceProblem> Reasons)
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
public sealed record InvoiceSubmission(bool Reconciled, bool Created, InvoiceRecord? Invoice, IReadOnlyList<InvoiceLineResult> Lines, IReadOnlyList<InvoiceProblem> Totals);
