namespace ClearingHouse.Application;

/// <summary>One page of a keyset-paged list: the items, and the position to continue after (null on the last page).</summary>
/// <typeparam name="T">The core record listed.</typeparam>
/// <param name="Items">The items of this page, in list order.</param>
/// <param name="NextPosition">The position text to pass as <c>after</c> for the next page (an edge wraps it in its own page token), or null.</param>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextPosition);
