using ClearingHouse.Domain.Parties;

namespace ClearingHouse.Grains.Tokens;

/// <summary>
/// One token of the hub-wide index, keyed by <see cref="TokenRecord.KeyOf"/> (type + uid): which EMSP
/// owns it and the hub's copy. Loaded from <see cref="ITokenStore"/>, written through to it.
/// </summary>
public interface ITokenGrain : IGrainWithStringKey
{
    /// <summary>The hub's copy, or null when no EMSP owns this type + uid.</summary>
    /// <remarks>A <see cref="ValueTask{TResult}"/>: the caller awaits Orleans' pooled response directly (a Task would be one more object per authorization).</remarks>
    [Orleans.Concurrency.ReadOnly]
    ValueTask<TokenRecord?> Get();

    /// <summary>
    /// Creates or replaces the token for its owner; durable when it returns. AlreadyExists when another
    /// EMSP owns it. Returns true when it was created.
    /// </summary>
    Task<bool> Put(TokenRecord token);

    /// <summary>Applies a patch of the owner's token; NotFound when <paramref name="owner"/> owns no such token.</summary>
    Task<TokenRecord> Patch(PartyKey owner, TokenPatch patch);
}
