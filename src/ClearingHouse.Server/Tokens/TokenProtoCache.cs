using System.Runtime.CompilerServices;
using ClearingHouse.Grains.Tokens;
using ProtoToken = ClearingHouse.Contracts.V1.Token;

namespace ClearingHouse.Server.Tokens;

/// <summary>
/// The wire form of the token copies Authorize answers with, kept per <see cref="TokenRecord"/> instance. A token grain
/// hands out the same immutable record until the token changes (and Orleans passes an <c>[Immutable]</c> record to a
/// caller on its own silo without copying it), so a warm token's response reuses one <see cref="ProtoToken"/> instead of
/// building a message, a timestamp and an energy contract per call.
/// </summary>
/// <remarks>
/// A direct-mapped table of a fixed size, indexed by the record's identity hash: no locks, no weak handles, bounded
/// memory (the records it holds on to are the recently answered ones). A record from another silo arrives as a new copy
/// per call and simply misses, which costs one small entry more than building the message did. The shared messages are
/// only ever serialized, never changed: callers must not modify what <see cref="Get"/> returns.
/// </remarks>
public static class TokenProtoCache
{
    private const int Size = 4096; // a power of two

    private static readonly Entry?[] Entries = new Entry?[Size];

    /// <summary>The wire form of <paramref name="token"/> (shared: read it, serialize it, never change it).</summary>
    public static ProtoToken Get(TokenRecord token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var slot = RuntimeHelpers.GetHashCode(token) & (Size - 1);
        var entry = Volatile.Read(ref Entries[slot]);
        if (entry is not null && ReferenceEquals(entry.Token, token))
        {
            return entry.Proto;
        }

        var proto = token.ToProto();
        Volatile.Write(ref Entries[slot], new Entry(token, proto));
        return proto;
    }

    private sealed record Entry(TokenRecord Token, ProtoToken Proto);
}
