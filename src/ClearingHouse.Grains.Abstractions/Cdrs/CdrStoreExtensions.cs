using System.Runtime.CompilerServices;

namespace ClearingHouse.Grains.Cdrs;

/// <summary>Reads over <see cref="ICdrStore"/> that need no change to its adapters.</summary>
public static class CdrStoreExtensions
{
    /// <summary>
    /// Every CDR matching <paramref name="query"/> (its <c>After</c> and <c>Limit</c> are ignored) in list order,
    /// fetched in keyset pages of <paramref name="pageSize"/>, so a large period never sits in memory; only CDRs in
    /// <paramref name="currency"/> when it is given. Each page is yielded whole so callers can look up per page.
    /// </summary>
    public static async IAsyncEnumerable<IReadOnlyList<StoredCdr>> StreamPagesAsync(
        this ICdrStore store, CdrQuery query, string? currency = null, int pageSize = 500, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(query);
        CdrCursor? after = null;
        while (true)
        {
            var page = await store.ListAsync(query with { After = after, Limit = pageSize }, cancellationToken);
            if (page.Count == 0)
            {
                yield break;
            }

            after = page[^1].Cursor;
            var selected = currency is null ? page : page.Where(c => c.Currency == currency).ToList();
            if (selected.Count > 0)
            {
                yield return selected;
            }

            if (page.Count < pageSize)
            {
                yield break;
            }
        }
    }
}
