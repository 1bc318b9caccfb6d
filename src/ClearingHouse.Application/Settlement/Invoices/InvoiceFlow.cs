using System.Globalization;
using ClearingHouse.Application.Access;
using ClearingHouse.Application.Cdrs;
using ClearingHouse.Domain.Cdrs;
using Microsoft.Extensions.Options;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Invoices;
using ClearingHouse.Grains.Settlement;

namespace ClearingHouse.Application.Settlement.Invoices;

/// <summary>
/// Invoice reconciliation (OCPI 2.3 <c>mod_invoice_reconciliation</c>), below every edge. A CPO (direct billing) or an
/// EMSP (reverse billing) submits an InvoiceReconciliationRecord naming its counterparty, the CDRs it invoices with an
/// amount each, and totals per currency; the hub checks every line against the stored CDRs of the pair, their disputes,
/// earlier invoices and, when named, a closed statement (<see cref="InvoiceRules"/>), and answers per line. Nothing
/// partial: one refused line or total and nothing is stored. A stored invoice is immutable; submitting the same record
/// again returns it. Access: the owner and the counterparty read an invoice, the operator reads all; anyone else learns
/// nothing of it.
/// </summary>
public sealed partial class InvoiceFlow(
    IInvoiceStore invoices, ICdrStore cdrs, ISettlementStore settlement, HubClock clock, IOptions<CdrOptions> cdrOptions, ILogger<InvoiceFlow> logger)
{
    private PriceCheckOptions? _tolerances;

    /// <summary>Checks and, when every line and total passes, stores the caller's invoice.</summary>
    public async Task<InvoiceSubmission> SubmitAsync(CallerIdentity caller, InvoiceDraft draft, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(draft);
        var owner = caller.Party ?? throw new HubException(HubErrorCode.PermissionDenied, "only a CPO or an EMSP may submit an invoice; the hub operator issues none");
        var (cpo, emsp) = Pair(owner, draft);
        var statement = await StatementAsync(draft.StatementNumber, cpo, emsp, cancellationToken);

        if (await invoices.FindAsync(owner, draft.Id, cancellationToken) is { } stored)
        {
            return SameRecord(stored, draft, cpo, emsp)
                ? new InvoiceSubmission(true, false, stored, draft.Lines.Select((l, i) => new InvoiceLineResult(i, l.CdrId, [])).ToList(), [])
                : throw new HubException(HubErrorCode.AlreadyExists,
                    $"record '{draft.Id}' of {owner} is already stored as invoice {stored.Number} with other content; a stored invoice is never changed", "id");
        }

        var ids = draft.Lines.Select(l => l.CdrId).Where(id => !string.IsNullOrEmpty(id)).Distinct(StringComparer.Ordinal).ToList();
        var found = new Dictionary<string, StoredCdr>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            if (await cdrs.GetAsync(cpo, id, cancellationToken) is { } cdr)
            {
                found[id] = cdr;
            }
        }

        var known = found.Keys.ToList();
        var disputes = await settlement.FindDisputesAsync(cpo, known, cancellationToken);
        var invoiced = await invoices.FindInvoicedAsync(cpo, known, cancellationToken);
        var settled = statement is null ? new Dictionary<string, long>() : await invoices.FindSettlingStatementsAsync(cpo, known, cancellationToken);

        var tolerances = _tolerances ??= cdrOptions.Value.ToPriceCheckOptions();
        var results = new List<InvoiceLineResult>(draft.Lines.Count);
        var lines = new List<InvoiceLineRecord>(draft.Lines.Count);
        var firstIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < draft.Lines.Count; i++)
        {
            var line = draft.Lines[i];
            var cdr = found.GetValueOrDefault(line.CdrId ?? "");
            var facts = new InvoiceLineFacts(
                cdr, disputes.GetValueOrDefault(line.CdrId ?? ""), invoiced.TryGetValue(line.CdrId ?? "", out var by) ? by : null,
                settled.TryGetValue(line.CdrId ?? "", out var number) ? number : null);
            var reasons = InvoiceRules.CheckLine(i, line, cpo, emsp, facts, statement).ToList();
            if (!string.IsNullOrEmpty(line.CdrId) && !firstIndex.TryAdd(line.CdrId, i))
            {
                reasons.Add(new InvoiceProblem($"cdrs[{i}].cdr_id", $"CDR '{line.CdrId}' is listed twice (also cdrs[{firstIndex[line.CdrId]}])"));
            }

            var parsed = new List<InvoiceProblem>();
            InvoiceLinePrice? price = null;
            if (InvoiceRules.ParseAmount(line.ExclVat, "", parsed) is { } excl)
            {
                var incl = string.IsNullOrEmpty(line.InclVat) ? null : InvoiceRules.ParseAmount(line.InclVat, "", parsed);
                var record = new InvoiceLineRecord(line.CdrId ?? "", line.Currency ?? "", excl, incl ?? (cdr is null ? excl : InvoiceRules.Amount(cdr).InclVat));
                lines.Add(record);
                if (cdr is not null && cdr.Emsp == emsp)
                {
                    // The hub's own price beside the line: the declared total is what statements count, the hub's is what
                    // the tariff in force at the session's start gives; the receiver sees both.
                    price = InvoiceRules.ComparePrice(cdr, new(record.ExclVat, record.InclVat), tolerances.ToleranceFor(cdr.Currency));
                }
            }

            results.Add(new InvoiceLineResult(i, line.CdrId ?? "", reasons, price));
        }

        var comparison = InvoiceRules.CompareTotals(results.Where(r => r.Price is not null).Select(r => r.Price!));
        var (sums, totalProblems) = InvoiceRules.CheckTotals(lines, draft.Totals);
        var refused = results.Count(r => !r.Accepted);
        if (refused > 0 || totalProblems.Count > 0)
        {
            LogRefused(logger, owner.ToString(), draft.Id, refused, totalProblems.Count);
            return new InvoiceSubmission(false, false, null, results, totalProblems, comparison);
        }

        var now = clock.UtcNow;
        var (invoice, created) = await invoices.InsertAsync(
            new InvoiceRecord
            {
                Number = 0, Owner = owner, Id = draft.Id, InvoiceId = draft.InvoiceId, Cpo = cpo, Emsp = emsp,
                StatementNumber = statement?.Number, Lines = lines, Totals = sums, LastUpdated = draft.LastUpdated ?? now, ReceivedAt = now,
            },
            cancellationToken);
        if (created)
        {
            LogStored(logger, invoice.Number, owner.ToString(), draft.Id, lines.Count);
        }

        return new InvoiceSubmission(true, created, invoice, results, [], comparison);
    }

    /// <summary>One invoice, for its owner, its counterparty and the operator; NotFound for anyone else.</summary>
    public async Task<InvoiceRecord> GetAsync(CallerIdentity caller, long number, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (number <= 0)
        {
            throw new HubException(HubErrorCode.InvalidArgument, "number is required", "number");
        }

        var invoice = await invoices.GetAsync(number, cancellationToken);
        // A party that is neither side learns nothing, not even that the number exists.
        return invoice is null || (caller.Party is { } party && party != invoice.Cpo && party != invoice.Emsp)
            ? throw new HubException(HubErrorCode.NotFound, $"there is no invoice {number} for you")
            : invoice;
    }

    /// <summary>
    /// One invoice (as <see cref="GetAsync"/>) with the hub's own price of each line's CDR beside the invoiced amount, in
    /// line order (null for a line whose CDR is no longer stored). Read from the stored CDRs at the time of the call:
    /// the hub price is what ingest computed, so it is the same figure the submission showed.
    /// </summary>
    public async Task<(InvoiceRecord Invoice, IReadOnlyList<InvoiceLinePrice?> Prices)> GetWithPricesAsync(CallerIdentity caller, long number, CancellationToken cancellationToken)
    {
        var invoice = await GetAsync(caller, number, cancellationToken);
        var tolerances = _tolerances ??= cdrOptions.Value.ToPriceCheckOptions();
        var prices = new List<InvoiceLinePrice?>(invoice.Lines.Count);
        foreach (var line in invoice.Lines)
        {
            prices.Add(await cdrs.GetAsync(invoice.Cpo, line.CdrId, cancellationToken) is { } cdr
                ? InvoiceRules.ComparePrice(cdr, new(line.ExclVat, line.InclVat), tolerances.ToleranceFor(cdr.Currency))
                : null);
        }

        return (invoice, prices);
    }

    /// <summary>Invoices by number after a position: the operator's of any party, a party's only those it is a side of.</summary>
    public async Task<Page<InvoiceRecord>> ListAsync(CallerIdentity caller, PartyKey? cpo, PartyKey? emsp, string? after, int size, CancellationToken cancellationToken)
    {
        (cpo, emsp) = StatementFlow.OwnSide(caller, cpo, emsp, "invoices");
        var afterNumber = StatementFlow.ParsePosition(after);
        var page = await invoices.ListAsync(new InvoiceQuery { Cpo = cpo, Emsp = emsp, AfterNumber = afterNumber, Limit = size + 1 }, cancellationToken);
        var next = page.Count > size ? page[size - 1].Number.ToString(CultureInfo.InvariantCulture) : null;
        return new Page<InvoiceRecord>(page.Take(size).ToList(), next);
    }

    /// <summary>The agreement pair of an invoice from its owner and counterparty; InvalidArgument naming the field for a bad record.</summary>
    private static (PartyKey Cpo, PartyKey Emsp) Pair(PartyKey owner, InvoiceDraft draft)
    {
        if (string.IsNullOrEmpty(draft.Id) || draft.Id.Length > InvoiceRules.MaxIdLength)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"id is required, at most {InvoiceRules.MaxIdLength} characters", "id");
        }

        if (string.IsNullOrEmpty(draft.InvoiceId) || draft.InvoiceId.Length > InvoiceRules.MaxInvoiceIdLength)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"invoice_id is required, at most {InvoiceRules.MaxInvoiceIdLength} characters", "invoice_id");
        }

        if (draft.Lines.Count is 0 or > InvoiceRules.MaxLines)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"cdrs must list 1 to {InvoiceRules.MaxLines} CDRs, not {draft.Lines.Count}", "cdrs");
        }

        var other = draft.Counterparty ?? throw new HubException(HubErrorCode.InvalidArgument, "counterparty is required", "counterparty");
        var expected = owner.Role == PartyRole.Cpo ? PartyRole.Emsp : PartyRole.Cpo;
        if (other.Role != expected)
        {
            throw new HubException(HubErrorCode.InvalidArgument,
                $"counterparty.role must be PARTY_ROLE_{expected.ToString().ToUpperInvariant()}: a {owner.Role.ToString().ToUpperInvariant()} invoices its {expected.ToString().ToUpperInvariant()}s", "counterparty.role");
        }

        return owner.Role == PartyRole.Cpo ? (owner, other) : (other, owner);
    }

    /// <summary>The closed statement the invoice names, which must be the pair's; none when it names none.</summary>
    private async Task<ClosedStatement?> StatementAsync(long? number, PartyKey cpo, PartyKey emsp, CancellationToken cancellationToken)
    {
        if (number is not { } n)
        {
            return null;
        }

        var statement = n > 0 ? await settlement.GetStatementAsync(n, cancellationToken) : null;
        return statement is not null && statement.Key.Cpo == cpo && statement.Key.Emsp == emsp
            ? statement
            : throw new HubException(HubErrorCode.InvalidArgument, $"there is no closed statement {n} between {cpo} and {emsp}", "statement_number");
    }

    /// <summary>Whether a resubmitted record is the stored one (a client retrying), line by line.</summary>
    private static bool SameRecord(InvoiceRecord stored, InvoiceDraft draft, PartyKey cpo, PartyKey emsp) =>
        stored.InvoiceId == draft.InvoiceId && stored.Cpo == cpo && stored.Emsp == emsp && stored.StatementNumber == draft.StatementNumber
        && stored.Lines.Count == draft.Lines.Count
        && stored.Lines.Zip(draft.Lines).All(p => p.First.CdrId == p.Second.CdrId && p.First.Currency == p.Second.Currency
            && decimal.TryParse(p.Second.ExclVat, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var e) && e == p.First.ExclVat);

    [LoggerMessage(EventId = 7101, Level = LogLevel.Information, Message = "Invoice {Number} stored: record {RecordId} of {Owner}, {Lines} CDRs")]
    private static partial void LogStored(ILogger logger, long number, string owner, string recordId, int lines);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Information, Message = "Invoice record {RecordId} of {Owner} refused, nothing stored: {Lines} lines and {Totals} totals refused")]
    private static partial void LogRefused(ILogger logger, string owner, string recordId, int lines, int totals);
}
