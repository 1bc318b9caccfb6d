using ClearingHouse.Domain.Tokens;

namespace ClearingHouse.Grains.Tokens;

/// <summary>
/// A shared cache of the token index in front of <see cref="ITokenStore"/> (Redis in the Cluster
/// profile). Only a token grain's activation (<see cref="ITokenGrain"/>) reads it; the grain, not the
/// cache, decides. What keeps a cached entry from ever disagreeing with the store:
/// <list type="bullet">
/// <item>every change of the store is preceded by <see cref="InvalidateAsync"/>, which must succeed or
/// the change is refused with nothing applied (a bulk upload also invalidates again after its commit);</item>
/// <item>an entry is written only from a value just read from the store or just stored, and only if no
/// invalidation happened since the writer looked (<see cref="TokenCacheLookup.Epoch"/>): a value read
/// before a concurrent change can never land after it;</item>
/// <item>any error or timeout on a read is a miss: the grain reads the store.</item>
/// </list>
/// </summary>
public interface ITokenCache
{
    /// <summary>The cached copy, or a miss (not cached, or the cache is away or slow).</summary>
    ValueTask<TokenCacheLookup> GetAsync(TokenType type, string uid);

    /// <summary>
    /// Caches what was just read from or written to the store (null: no such token), unless an
    /// invalidation happened after <paramref name="epoch"/> was observed. Best effort: completes when
    /// Redis answered or gave up, never throws; a lost write only costs a later store read.
    /// </summary>
    Task SetAsync(TokenType type, string uid, TokenRecord? token, long epoch);

    /// <summary>
    /// Drops the keys and moves the epoch on; completes once the cache confirmed it and returns the
    /// new epoch. Throws a <see cref="Errors.HubException"/> with <see cref="Errors.HubErrorCode.Unavailable"/>
    /// when it cannot: the caller must then not change the store.
    /// </summary>
    Task<long> InvalidateAsync(IReadOnlyCollection<(TokenType Type, string Uid)> keys);
}

/// <summary>The answer of <see cref="ITokenCache.GetAsync"/>.</summary>
/// <param name="Hit">True when the cache knew the key.</param>
/// <param name="Token">On a hit, the token, or null when the store has no such token.</param>
/// <param name="Epoch">The invalidation epoch seen with the read, or null when the cache could not be asked (then nothing is cached).</param>
public readonly record struct TokenCacheLookup(bool Hit, TokenRecord? Token, long? Epoch)
{
    /// <summary>The cache could not be asked.</summary>
    public static TokenCacheLookup Unavailable => default;
}

/// <summary>No cache (Embedded profile, or <c>Tokens:RedisCache = false</c>): the grain reads the store.</summary>
public sealed class NoTokenCache : ITokenCache
{
    /// <inheritdoc />
    public ValueTask<TokenCacheLookup> GetAsync(TokenType type, string uid) => ValueTask.FromResult(TokenCacheLookup.Unavailable);

    /// <inheritdoc />
    public Task SetAsync(TokenType type, string uid, TokenRecord? token, long epoch) => Task.CompletedTask;

    /// <inheritdoc />
    public Task<long> InvalidateAsync(IReadOnlyCollection<(TokenType Type, string Uid)> keys) => Task.FromResult(0L);
}
