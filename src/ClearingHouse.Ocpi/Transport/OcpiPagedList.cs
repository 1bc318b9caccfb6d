using Microsoft.AspNetCore.Http;

namespace ClearingHouse.Ocpi.Transport;

/// <summary>Reads one keyset page from the core: the items after <paramref name="after"/> (null: the first) and where the next page starts.</summary>
/// <typeparam name="T">The core's item.</typeparam>
public delegate Task<(IReadOnlyList<T> Items, string? Next)> OcpiPageReader<T>(string? after, int size, CancellationToken cancellationToken);

/// <summary>
/// One page of a sender interface's GET list, served from a core list paged by key: <c>date_from</c>/<c>date_to</c>
/// applied to each item's <c>last_updated</c>, an <c>offset</c> without a cursor reached by reading from the start, and
/// the paging headers (<see cref="OcpiPage.WriteHeaders"/>). Pages go on until the offset is passed and something is
/// found (<c>date_to</c> may leave a page empty); a page may be short, as OCPI allows, and the cursor is always the last
/// key read.
/// </summary>
public static class OcpiPagedList
{
    /// <summary>Serves the page; <paramref name="count"/>, when given, counts every match of the filters (X-Total-Count).</summary>
    public static async Task<IResult> ServeAsync<T>(
        HttpContext context,
        OcpiPage page,
        string url,
        OcpiPageReader<T> read,
        Func<T, DateTimeOffset> lastUpdated,
        Func<T, object> toOcpi,
        OcpiResults results,
        Func<CancellationToken, Task<long>>? count = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(lastUpdated);
        ArgumentNullException.ThrowIfNull(toOcpi);
        ArgumentNullException.ThrowIfNull(results);
        var cancellation = context.RequestAborted;
        var after = page.Cursor;
        var skip = after is null ? page.Offset : 0;
        var items = new List<object>(page.Limit);
        string? next;
        do
        {
            var (batch, following) = await read(after, page.Limit, cancellation);
            var fitting = batch.Where(i => Fits(lastUpdated(i), page)).ToList();
            var skipped = Math.Min(skip, fitting.Count);
            skip -= skipped;
            items.AddRange(fitting.Skip(skipped).Take(page.Limit - items.Count).Select(toOcpi));
            next = following;
            after = following;
        }
        while (next is not null && (skip > 0 || items.Count == 0));

        long? total = count is null ? null : await count(cancellation);
        page.WriteHeaders(context, url, items.Count, next, total);
        return results.Ok(items);
    }

    /// <summary>Whether <paramref name="at"/> is within <c>date_from</c> (inclusive) and <c>date_to</c> (exclusive).</summary>
    public static bool Fits(DateTimeOffset at, OcpiPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        return (page.DateFrom is not { } from || at >= from) && (page.DateTo is not { } to || at < to);
    }
}
