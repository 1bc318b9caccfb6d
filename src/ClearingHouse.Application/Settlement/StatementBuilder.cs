using ClearingHouse.Application.Cdrs;
using ClearingHouse.Application.Settlement.Invoices;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ClearingHouse.Domain.Settlement;
using ClearingHouse.Domain.Tariffs;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Invoices;
using ClearingHouse.Grains.Settlement;

namespace ClearingHouse.Application.Settlement;

/// <summary>A statement as the edge shows it: closed (with number and hash) or live.</summary>
/// <param name="Key">Parties, currency, period.</param>
/// <param name="Totals">The figures.</param>
/// <param name="LineCount">How many lines.</param>
/// <param name="Closed">The closed header, or null while live.</param>
public sealed record StatementView(StatementKey Key, StatementTotals Totals, int LineCount, ClosedStatement? Closed)
{
    /// <summary>How much of the payable lines is invoiced (see <see cref="StatementInvoicing"/>); null where not computed (lists).</summary>
    public StatementInvoicing? Invoicing { get; init; }
}

/// <summary>
/// Builds statements from stored CDRs, page by page (a large period never sits in memory). The lines of a statement
/// for [from, to): first the late CDRs of earlier closed periods of the same CPO, EMSP and currency that no closed
/// statement settled (adjustments, in period order), then the CDRs of the period. A CDR counts as disputed while its
/// dispute is OPEN or DECLINED, or when the hub flagged it MISMATCH and it has no dispute yet: the hub then opens one
/// itself (lazily, after the statement is built). Disputed CDRs are never settled: they carry over as adjustments
/// until their dispute is settled. Every view shows how much of the payable lines is invoiced (<see cref="StatementInvoicing"/>).
/// </summary>
public sealed partial class StatementBuilder(ICdrStore cdrs, ISettlementStore store, IInvoiceStore invoices, HubClock clock, ILogger<StatementBuilder> logger)
{
    private static readonly JsonSerializerOptions TotalsJson = new(JsonSerializerDefaults.General);

    /// <summary>The closed statement of exactly this key, or the live one; FailedPrecondition when the period overlaps a closed one.</summary>
    public async Task<StatementView> GetAsync(StatementKey key, CancellationToken cancellationToken)
    {
        var closed = await store.ListClosedAsync(key.Cpo, key.Emsp, key.Currency, cancellationToken);
        if (closed.FirstOrDefault(s => s.Key == key) is { } exact)
        {
            return await WithInvoicingAsync(View(exact), cancellationToken);
        }

        ThrowIfOverlapping(key, closed);
        var totals = new StatementTotals();
        var lines = 0;
        var mismatches = new List<StoredCdr>();
        var tally = new InvoicedTally(invoices, key.Cpo);
        await foreach (var line in LinesAsync(key, closed, mismatches, cancellationToken))
        {
            totals = totals.Plus(line);
            lines++;
            await tally.AddAsync(line, cancellationToken);
        }

        await tally.FlushAsync(cancellationToken);
        await OpenHubDisputesAsync(mismatches, cancellationToken);
        return new StatementView(key, totals, lines, null) { Invoicing = StatementInvoicing.Of(totals.Payable, tally.Sum) };
    }

    /// <summary>Closes the period (or returns the statement that closed it) and opens the hub's disputes it found.</summary>
    public async Task<(StatementView Statement, bool Created)> CloseAsync(StatementKey key, string closedBy, CancellationToken cancellationToken)
    {
        var mismatches = new List<StoredCdr>();
        var (statement, created) = await store.CloseAsync(key, closedBy, clock.UtcNow, async (add, ct) =>
        {
            var closed = await store.ListClosedAsync(key.Cpo, key.Emsp, key.Currency, ct);
            var totals = new StatementTotals();
            using var hasher = new StatementHasher();
            var n = 0;
            await foreach (var line in LinesAsync(key, closed, mismatches, ct))
            {
                n++;
                var csv = StatementCsv.Line(n, line);
                hasher.Append(csv);
                await add(new StatementLineRow(n, line.CdrId, line.Kind != LineKind.Disputed, csv));
                totals = totals.Plus(line);
            }

            return new StatementContent(n, JsonSerializer.Serialize(totals, TotalsJson), hasher.Finish());
        }, cancellationToken);

        if (created)
        {
            LogClosed(logger, statement.Number, key.Cpo.ToString(), key.Emsp.ToString(), key.Currency, statement.LineCount, statement.ContentHash);
            await OpenHubDisputesAsync(mismatches, cancellationToken);
        }

        return (await WithInvoicingAsync(View(statement), cancellationToken), created);
    }

    /// <summary>A closed statement's view with what is invoiced of the CDRs it settled.</summary>
    public async Task<StatementView> WithInvoicingAsync(StatementView view, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(view);
        var invoiced = view.Closed is { } closed ? await invoices.SumInvoicedOnStatementAsync(closed.Number, cancellationToken) : InvoicedSum.None;
        return view with { Invoicing = StatementInvoicing.Of(view.Totals.Payable, invoiced) };
    }

    /// <summary>The view of a closed statement.</summary>
    public static StatementView View(ClosedStatement statement)
    {
        ArgumentNullException.ThrowIfNull(statement);
        var totals = JsonSerializer.Deserialize<StatementTotals>(statement.TotalsJson, TotalsJson) ?? new StatementTotals();
        return new StatementView(statement.Key, totals, statement.LineCount, statement);
    }

    private static void ThrowIfOverlapping(StatementKey key, IReadOnlyList<ClosedStatement> closed)
    {
        if (closed.FirstOrDefault(s => StatementPeriod.Overlaps(s.Key.From, s.Key.To, key.From, key.To)) is { } overlap)
        {
            throw new HubException(HubErrorCode.FailedPrecondition,
                $"the period overlaps closed statement {overlap.Number} ({overlap.Key.From:u} to {overlap.Key.To:u}); ask for that period or one that does not overlap it");
        }
    }

    private async IAsyncEnumerable<StatementLine> LinesAsync(
        StatementKey key, IReadOnlyList<ClosedStatement> closed, List<StoredCdr> mismatches, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var earlier in closed.Where(s => s.Key.To <= key.From).OrderBy(s => s.Key.From))
        {
            var query = new CdrQuery { Cpo = key.Cpo, Emsp = key.Emsp, From = earlier.Key.From, To = earlier.Key.To, Limit = 1 };
            await foreach (var page in cdrs.StreamPagesAsync(query, key.Currency, cancellationToken: cancellationToken))
            {
                var settled = await store.FindSettledAsync(key.Cpo, page.Select(c => c.Id).ToList(), cancellationToken);
                var late = page.Where(c => !settled.Contains(c.Id)).ToList();
                if (late.Count == 0)
                {
                    continue;
                }

                var disputes = await store.FindDisputesAsync(key.Cpo, late.ConvertAll(c => c.Id), cancellationToken);
                foreach (var cdr in late)
                {
                    yield return Line(cdr, disputes.GetValueOrDefault(cdr.Id), earlier.Number, mismatches);
                }
            }
        }

        var period = new CdrQuery { Cpo = key.Cpo, Emsp = key.Emsp, From = key.From, To = key.To, Limit = 1 };
        await foreach (var page in cdrs.StreamPagesAsync(period, key.Currency, cancellationToken: cancellationToken))
        {
            var disputes = await store.FindDisputesAsync(key.Cpo, page.Select(c => c.Id).ToList(), cancellationToken);
            foreach (var cdr in page)
            {
                yield return Line(cdr, disputes.GetValueOrDefault(cdr.Id), null, mismatches);
            }
        }
    }

    private static StatementLine Line(StoredCdr stored, DisputeRecord? dispute, long? adjustmentOf, List<StoredCdr> mismatches)
    {
        var cdr = OcpiJson.ReadCdr(stored.OcpiJson);
        string? disputeState;
        bool apart;
        if (dispute is not null)
        {
            disputeState = DisputeRules.Name(dispute.State);
            apart = DisputeRules.KeepsCdrApart(dispute.State);
        }
        else if (CdrFlags.IsFlagged(stored.PriceCheck))
        {
            // The hub's own flag (a mismatch, a tariff not active or not listed) counts as an open dispute from the start; the record is written after the build.
            mismatches.Add(stored);
            disputeState = DisputeRules.Name(DisputeState.Open);
            apart = true;
        }
        else
        {
            disputeState = null;
            apart = false;
        }

        var kind = apart ? LineKind.Disputed : stored.Credit ? LineKind.Credit : LineKind.Charge;
        var hubTotal = CdrIngestor.DeserializeBreakdown(stored.HubPriceJson)?.Total.ExclVat;
        return StatementLine.FromCdr(cdr, kind, PriceCheckName(stored.PriceCheck), hubTotal, adjustmentOf, disputeState);
    }

    private async Task OpenHubDisputesAsync(List<StoredCdr> mismatches, CancellationToken cancellationToken)
    {
        var now = clock.UtcNow;
        foreach (var cdr in mismatches)
        {
            var reason = CdrFlags.DisputeReason(cdr);
            var (dispute, created) = await store.OpenDisputeAsync(
                new DisputeRecord
                {
                    Id = 0,
                    Cpo = cdr.Cpo,
                    CdrId = cdr.Id,
                    Emsp = cdr.Emsp,
                    Currency = cdr.Currency,
                    CdrEnd = cdr.EndDateTime,
                    State = DisputeState.Open,
                    OpenedBy = "hub",
                    Reason = reason,
                    OpenedAt = now,
                    UpdatedAt = now,
                    Version = 1,
                },
                "hub",
                cancellationToken);
            if (created)
            {
                LogHubDispute(logger, dispute.Id, cdr.Cpo.ToString(), cdr.Id);
            }
        }
    }

    private static string PriceCheckName(PriceCheck check) => CdrFlags.Name(check);

    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Statement {Number} closed: {Cpo} / {Emsp} {Currency}, {Lines} lines, sha256 {Hash}")]
    private static partial void LogClosed(ILogger logger, long number, string cpo, string emsp, string currency, int lines, string hash);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Information, Message = "Dispute {DisputeId} opened by the hub for the price mismatch of CDR {CdrId} of {Cpo}")]
    private static partial void LogHubDispute(ILogger logger, long disputeId, string cpo, string cdrId);
}
