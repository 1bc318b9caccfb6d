using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using ClearingHouse.Domain.Parties;

namespace ClearingHouse.Ocpi.Credentials;

/// <summary>
/// A credentials token the hub issues (TOKEN_A or TOKEN_C): <c>{party}.{43 base64url characters}</c>, 54 characters
/// (OCPI allows 64). The party part is public so the hub finds the one record to check, as a gRPC secret names its
/// owner; only the 256-bit random part is secret. The hub keeps a SHA-256 hash, never the token.
/// </summary>
public sealed record OcpiToken
{
    private OcpiToken(string text, PartyKey party)
    {
        Text = text;
        Party = party;
    }

    /// <summary>The whole token, as the partner sends it (base64 encoded in the header).</summary>
    public string Text { get; }

    /// <summary>The party the token belongs to.</summary>
    public PartyKey Party { get; }

    /// <summary>A public, non-secret id of the token (the first 12 hex digits of its hash), for logs and listings.</summary>
    public string Id => Convert.ToHexStringLower(Hash())[..12];

    /// <summary>A new random token for <paramref name="party"/>.</summary>
    public static OcpiToken Generate(PartyKey party) =>
        new($"{party}.{Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_')}", party);

    /// <summary>Parses a token's public part; false for anything not of the hub's form.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out OcpiToken? token)
    {
        token = null;
        var dot = text?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        if (text is null || text.Length > 64 || dot < 0 || text.Length - dot - 1 != 43
            || !PartyKey.TryParse(text[..dot], out var party)
            || !text.AsSpan(dot + 1).ContainsOnlyBase64Url())
        {
            return false;
        }

        token = new OcpiToken(text, party.Value);
        return true;
    }

    /// <summary>
    /// The token in an <c>Authorization: Token ...</c> header value: OCPI 2.2.1 sends it base64 encoded, older
    /// partners send it as is (ocpi#212); both are accepted. Null when the header is missing or holds neither form.
    /// </summary>
    public static OcpiToken? FromHeader(string? authorization)
    {
        if (authorization is null || !authorization.StartsWith("Token ", StringComparison.OrdinalIgnoreCase) || authorization.Length > 200)
        {
            return null;
        }

        var value = authorization.AsSpan(6).Trim();
        Span<byte> decoded = stackalloc byte[150];
        if (Convert.TryFromBase64Chars(value, decoded, out var written)
            && TryParse(Encoding.ASCII.GetString(decoded[..written]), out var fromBase64))
        {
            return fromBase64;
        }

        return TryParse(value.ToString(), out var plain) ? plain : null;
    }

    /// <summary>The token as the value of an <c>Authorization</c> header, in OCPI 2.2.1's base64 form.</summary>
    public static string Header(string token) => "Token " + Convert.ToBase64String(Encoding.UTF8.GetBytes(token));

    /// <summary>The SHA-256 hash the hub stores.</summary>
    public byte[] Hash() => SHA256.HashData(Encoding.UTF8.GetBytes(Text));

    /// <summary>Never prints the secret part.</summary>
    public override string ToString() => $"{Party}.***";
}

file static class Base64UrlExtensions
{
    public static bool ContainsOnlyBase64Url(this ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_')
            {
                return false;
            }
        }

        return true;
    }
}
