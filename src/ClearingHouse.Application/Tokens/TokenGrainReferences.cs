using System.Globalization;
using System.Text;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains.Tokens;

namespace ClearingHouse.Application.Tokens;

/// <summary>
/// References to <see cref="ITokenGrain"/> for the Authorize hot path. <c>IGrainFactory.GetGrain&lt;T&gt;(string)</c>
/// resolves the interface's grain type on every call, formatting its type name anew (a StringBuilder,
/// a parsed type spec and several strings: about 0.4 KB per call), then encodes the key string to
/// UTF-8. Here the grain and interface types are resolved once, and the key
/// (<see cref="TokenRecord.KeyOf"/>: "type:uid") is written straight to UTF-8, so a reference costs
/// its key bytes and the reference itself. The grain id is the same as <c>GetGrain&lt;ITokenGrain&gt;(TokenRecord.KeyOf(type, uid))</c>.
/// </summary>
public sealed class TokenGrainReferences(IGrainFactory grains)
{
    // Resolved on first use (the silo's manifest is ready by then); one object so readers never see half of it.
    private ResolvedTypes? _types;

    /// <summary>The token grain of a type + uid.</summary>
    public ITokenGrain Get(TokenType type, string uid)
    {
        ArgumentNullException.ThrowIfNull(uid);
        var types = _types ??= Resolve();
        Span<byte> digits = stackalloc byte[11];
        ((int)type).TryFormat(digits, out var digitCount, default, CultureInfo.InvariantCulture);
        var key = new byte[digitCount + 1 + Encoding.UTF8.GetByteCount(uid)];
        digits[..digitCount].CopyTo(key);
        key[digitCount] = (byte)':';
        Encoding.UTF8.GetBytes(uid, key.AsSpan(digitCount + 1));
        return (ITokenGrain)grains.GetGrain(GrainId.Create(types.GrainType, new IdSpan(key)), types.InterfaceType);
    }

    private ResolvedTypes Resolve()
    {
        var probe = (GrainReference)(object)grains.GetGrain<ITokenGrain>(TokenRecord.KeyOf(TokenType.Rfid, "-"));
        return new ResolvedTypes(probe.GrainId.Type, probe.InterfaceType);
    }

    private sealed record ResolvedTypes(GrainType GrainType, GrainInterfaceType InterfaceType);
}
