using ClearingHouse.Domain.Parties;

namespace ClearingHouse.Grains.Invoices;

/// <summary>One invoiced CDR of a stored invoice: the CPO's CDR id and the amount invoiced for it (signed as on statements).</summary>
/// <param name="CdrId">The CPO's CDR id.</param>
/// <param name="Currency">ISO 4217 currency of the amounts (the CDR's).</param>
/// <param name="ExclVat">Amount excluding VAT; a credit CDR's is negative.</param>
/// <param name="InclVat">Amount including VAT (equal to <paramref name="ExclVat"/> when the CDR gives no VAT).</param>
public sealed record InvoiceLineRecord(string CdrId, string Currency, decimal ExclVat, decimal InclVat);

/// <summary>What an invoice adds up to in one currency.</summary>
/// <param name="Currency">ISO 4217 currency.</param>
/// <param name="ExclVat">Sum excluding VAT.</param>
/// <param name="InclVat">Sum including VAT.</param>
public sealed record InvoiceTotalRecord(string Currency, decimal ExclVat, decimal InclVat);

/// <summary>
/// A reconciled invoice as the hub stores it: OCPI 2.3's InvoiceReconciliationRecord (owner <c>country_code</c> +
/// <c>party_id</c>, <c>id</c>, <c>invoice_id</c>, <c>cdrs</c>, <c>last_updated</c>) with the hub's additions: the
/// counterparty, an amount per CDR, totals per currency, the statement it was checked against and a hub-wide number.
/// Only invoices whose every line passed are stored; a stored invoice is never changed.
/// </summary>
public sealed record InvoiceRecord
{
    /// <summary>Hub-wide number (assigned by the store; 0 in a draft).</summary>
    public required long Number { get; init; }

    /// <summary>Who issued the record: the CPO (direct billing) or the EMSP (reverse billing).</summary>
    public required PartyKey Owner { get; init; }

    /// <summary>The owner's record id (OCPI <c>id</c>, at most 36 characters), unique per owner.</summary>
    public required string Id { get; init; }

    /// <summary>The owner's invoice (OCPI <c>invoice_id</c>, at most 255 characters).</summary>
    public required string InvoiceId { get; init; }

    /// <summary>The CPO of the agreement pair (the owner or the counterparty).</summary>
    public required PartyKey Cpo { get; init; }

    /// <summary>The EMSP of the agreement pair.</summary>
    public required PartyKey Emsp { get; init; }

    /// <summary>The closed statement every CDR was checked against, when the owner named one.</summary>
    public long? StatementNumber { get; init; }

    /// <summary>The invoiced CDRs in the owner's order (OCPI <c>cdrs</c>, with amounts).</summary>
    public required IReadOnlyList<InvoiceLineRecord> Lines { get; init; }

    /// <summary>The totals per currency, by currency.</summary>
    public required IReadOnlyList<InvoiceTotalRecord> Totals { get; init; }

    /// <summary>OCPI <c>last_updated</c>: when the owner issued the record.</summary>
    public required DateTimeOffset LastUpdated { get; init; }

    /// <summary>When the hub stored it.</summary>
    public required DateTimeOffset ReceivedAt { get; init; }
}

/// <summary>A page request over stored invoices, by number.</summary>
public sealed record InvoiceQuery
{
    /// <summary>Only invoices of this CPO (as owner or counterparty).</summary>
    public PartyKey? Cpo { get; init; }

    /// <summary>Only invoices of this EMSP (as owner or counterparty).</summary>
    public PartyKey? Emsp { get; init; }

    /// <summary>Only invoices numbered above this.</summary>
    public long AfterNumber { get; init; }

    /// <summary>At most this many.</summary>
    public required int Limit { get; init; }
}

/// <summary>How much of a set of statement lines is invoiced.</summary>
/// <param name="Count">Invoiced CDRs.</param>
/// <param name="ExclVat">Their invoiced amount excluding VAT.</param>
/// <param name="InclVat">Their invoiced amount including VAT.</param>
public sealed record InvoicedSum(int Count, decimal ExclVat, decimal InclVat)
{
    /// <summary>Nothing invoiced.</summary>
    public static InvoicedSum None { get; } = new(0, 0m, 0m);
}

/// <summary>
/// Durable invoices beside the CDRs and statements (same SQLite file / PostgreSQL database): the invoices, their lines,
/// and which invoice invoiced each CDR (a CDR is invoiced at most once, whoever issued the invoice).
/// </summary>
public interface IInvoiceStore
{
    /// <summary>
    /// Stores an invoice (its <c>Number</c> is assigned) with its lines, and marks its CDRs invoiced, in one transaction.
    /// When the owner already stored a record with this id, nothing is written and the stored one is returned
    /// (<c>Created</c> false). A CDR another invoice took meanwhile makes it fail with nothing written
    /// (<see cref="Errors.HubException"/>, FailedPrecondition).
    /// </summary>
    Task<(InvoiceRecord Invoice, bool Created)> InsertAsync(InvoiceRecord draft, CancellationToken cancellationToken = default);

    /// <summary>One invoice with its lines, or null.</summary>
    Task<InvoiceRecord?> GetAsync(long number, CancellationToken cancellationToken = default);

    /// <summary>The invoice the owner stored with record id <paramref name="id"/>, or null.</summary>
    Task<InvoiceRecord?> FindAsync(PartyKey owner, string id, CancellationToken cancellationToken = default);

    /// <summary>One page of invoices by number (with their lines).</summary>
    Task<IReadOnlyList<InvoiceRecord>> ListAsync(InvoiceQuery query, CancellationToken cancellationToken = default);

    /// <summary>Which of the CPO's <paramref name="cdrIds"/> an invoice has invoiced, with that invoice's number.</summary>
    Task<IReadOnlyDictionary<string, long>> FindInvoicedAsync(PartyKey cpo, IReadOnlyCollection<string> cdrIds, CancellationToken cancellationToken = default);

    /// <summary>Which closed statement settled each of the CPO's <paramref name="cdrIds"/> (those no statement settled are absent).</summary>
    Task<IReadOnlyDictionary<string, long>> FindSettlingStatementsAsync(PartyKey cpo, IReadOnlyCollection<string> cdrIds, CancellationToken cancellationToken = default);

    /// <summary>How many of the CDRs closed statement <paramref name="statementNumber"/> settled are invoiced, and for how much.</summary>
    Task<InvoicedSum> SumInvoicedOnStatementAsync(long statementNumber, CancellationToken cancellationToken = default);
}
