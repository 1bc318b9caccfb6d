using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Settlement;
using ClearingHouse.Domain.Tariffs;
using ClearingHouse.Grains.Invoices;

namespace ClearingHouse.Application.Settlement.Invoices;

/// <summary>
/// How much of a statement's payable lines is invoiced. Not part of a closed statement's content (its hash and totals
/// never change): it is read from the invoices whenever the statement is shown, so it moves as invoices arrive.
/// Invoiced amounts equal the CDRs' declared totals (the reconciliation checks it), so the two parts add up to payable.
/// </summary>
/// <param name="InvoicedCount">Payable CDRs an invoice names.</param>
/// <param name="Invoiced">Their amount.</param>
/// <param name="NotInvoicedCount">Payable CDRs no invoice names yet.</param>
/// <param name="NotInvoiced">Their amount: payable minus invoiced.</param>
public sealed record StatementInvoicing(int InvoicedCount, Cost Invoiced, int NotInvoicedCount, Cost NotInvoiced)
{
    /// <summary>The split of <paramref name="payable"/> given what is invoiced of it.</summary>
    public static StatementInvoicing Of(SectionTotals payable, InvoicedSum invoiced)
    {
        ArgumentNullException.ThrowIfNull(payable);
        ArgumentNullException.ThrowIfNull(invoiced);
        var amount = new Cost(invoiced.ExclVat, invoiced.InclVat);
        return new StatementInvoicing(invoiced.Count, amount, payable.Count - invoiced.Count, new Cost(payable.Total.ExclVat - amount.ExclVat, payable.Total.InclVat - amount.InclVat));
    }
}

/// <summary>Adds up the invoiced part of a live statement's payable lines, asking the store a page of CDR ids at a time.</summary>
internal sealed class InvoicedTally(IInvoiceStore invoices, PartyKey cpo)
{
    private const int PageSize = 500;
    private readonly List<(string CdrId, Cost Total)> _pending = new(PageSize);

    /// <summary>What is invoiced among the lines counted so far.</summary>
    public InvoicedSum Sum { get; private set; } = InvoicedSum.None;

    /// <summary>Counts one line (disputed lines are not payable and not counted).</summary>
    public async Task AddAsync(StatementLine line, CancellationToken cancellationToken)
    {
        if (line.Kind == LineKind.Disputed)
        {
            return;
        }

        _pending.Add((line.CdrId, line.Total));
        if (_pending.Count >= PageSize)
        {
            await FlushAsync(cancellationToken);
        }
    }

    /// <summary>Asks the store about the lines not asked about yet.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending.Count == 0)
        {
            return;
        }

        var invoiced = await invoices.FindInvoicedAsync(cpo, _pending.ConvertAll(p => p.CdrId), cancellationToken);
        foreach (var (cdrId, total) in _pending.Where(p => invoiced.ContainsKey(p.CdrId)))
        {
            Sum = new InvoicedSum(Sum.Count + 1, Sum.ExclVat + total.ExclVat, Sum.InclVat + total.InclVat);
        }

        _pending.Clear();
    }
}
