using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Cdrs;

namespace ClearingHouse.Application.Cdrs;

// Ingest step 3: check credit references, then (after the one durable insert) acknowledge and route.
public sealed partial class CdrIngestor
{
    private static readonly IReadOnlySet<string> NothingInserted = new HashSet<string>();

    // A credit CDR must correct a CDR of the same CPO: stored already, or a debit CDR of this batch.
    private async Task CheckCreditReferencesAsync(CdrBatch batch, CancellationToken cancellationToken)
    {
        var references = CreditReferences(batch.Pending);
        if (references is null)
        {
            return;
        }

        var inBatch = batch.Pending.Where(p => !p.Cdr.Credit).Select(p => p.Cdr.Id).ToHashSet(StringComparer.Ordinal);
        references.ExceptWith(inBatch);
        var stored = references.Count == 0 ? NothingInserted : await _store.FindExistingAsync(batch.Cpo, references, cancellationToken);
        batch.Pending.RemoveAll(p =>
        {
            if (!p.Cdr.Credit || inBatch.Contains(p.Cdr.CreditReferenceId!) || stored.Contains(p.Cdr.CreditReferenceId!))
            {
                return false;
            }

            batch.Results[p.Index] = Reject(p.Index, p.Cdr.Id, [new("credit_reference_id", $"'{p.Cdr.CreditReferenceId}' is not a CDR {batch.Cpo} has submitted.")]);
            return true;
        });
    }

    private static HashSet<string>? CreditReferences(List<PendingCdr> pending)
    {
        HashSet<string>? references = null;
        foreach (var p in pending)
        {
            if (p.Cdr.Credit)
            {
                (references ??= new(StringComparer.Ordinal)).Add(p.Cdr.CreditReferenceId!);
            }
        }

        return references;
    }

    // Acknowledges each stored CDR: ACCEPTED when this batch inserted it (and its EMSP's feed is rung), else DUPLICATE.
    private void Route(CdrBatch batch, IReadOnlySet<string> inserted)
    {
        foreach (var pending in batch.Pending)
        {
            var stored = pending.Cdr;
            if (!inserted.Contains(stored.Id))
            {
                batch.Duplicates++;
                batch.Results[pending.Index] = new CdrResult(pending.Index, stored.Id, CdrOutcome.Duplicate, [], null, null, stored.Currency);
                continue;
            }

            batch.Accepted++;
            Ring(batch, stored.Emsp);
            if (CdrFlags.IsFlagged(stored.PriceCheck))
            {
                batch.Mismatches++;
                LogPriceMismatch(_logger, batch.Cpo.ToString(), stored.Id, stored.PriceCheck.ToString(), CdrFlags.Describe(pending.Check, stored.Currency));
            }

            var price = pending.Price;
            batch.Results[pending.Index] = new CdrResult(pending.Index, stored.Id, CdrOutcome.Accepted, [], stored.PriceCheck, price?.Total, stored.Currency, price?.TimeZone, price?.TimeZoneNote, pending.Check);
        }
    }

    // Durable now: ring the EMSP's feed (one-way; subscribers on any silo read from the store). A batch mostly holds
    // one EMSP's CDRs; a repeated ring is coalesced by the subscribers.
    private void Ring(CdrBatch batch, PartyKey emsp)
    {
        if (batch.Rung != emsp)
        {
            batch.Rung = emsp;
            _ = _grains.GetGrain<ICdrFeedGrain>(emsp.ToString()).Notify();
        }
    }

    // A CDR repeating an id of the batch gets the first one's rejection, or is a duplicate of the stored first one.
    private static void SettleRepeats(CdrBatch batch)
    {
        foreach (var (index, id, first) in batch.Repeats)
        {
            var firstResult = batch.Results[first]!;
            if (firstResult.Outcome == CdrOutcome.Rejected)
            {
                batch.Results[index] = firstResult with { Index = index };
                continue;
            }

            batch.Duplicates++;
            batch.Results[index] = new CdrResult(index, id, CdrOutcome.Duplicate, [], null, null, firstResult.Currency);
        }
    }
}
