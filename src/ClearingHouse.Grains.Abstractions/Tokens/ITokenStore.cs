using ClearingHouse.Domain.Tokens;

namespace ClearingHouse.Grains.Tokens;

/// <summary>
/// The durable copy of every token (a table keyed by type + uid, with the owning EMSP). It, not grain
/// state, is the token's durable form, so a whitelist of millions is uploaded in batches and the hub
/// holds in memory only the tokens in use.
/// </summary>
public interface ITokenStore
{
    /// <summary>The token, or null when unknown.</summary>
    Task<TokenRecord?> GetAsync(TokenType type, string uid, CancellationToken cancellationToken = default);

    /// <summary>
    /// Inserts or replaces tokens in one transaction, durable when it returns. A token whose type + uid
    /// is owned by another EMSP is not touched and is returned as a conflict. A batch must not hold the
    /// same type + uid twice.
    /// </summary>
    Task<TokenWriteResult> UpsertAsync(IReadOnlyList<TokenRecord> tokens, CancellationToken cancellationToken = default);
}
