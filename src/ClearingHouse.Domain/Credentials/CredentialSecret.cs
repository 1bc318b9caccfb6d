using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using ClearingHouse.Domain.Parties;

namespace ClearingHouse.Domain.Credentials;

/// <summary>
/// The bearer secret a caller sends: <c>chs_{owner}_{credentialId}_{random}</c>, where owner is a
/// party key (<c>NL-ABC-CPO</c>) or <c>operator</c>. The owner and id are public so the hub finds the
/// one credential to check without a hub-wide lookup and logs can name it; only the 256-bit random
/// part is secret. The hub stores a SHA-256 hash of the whole secret: a fast hash is right here
/// because the secret is random and long, not a password a person chose.
/// </summary>
public sealed record CredentialSecret
{
    private const string Prefix = "chs";

    /// <summary>The owner written in an operator credential in place of a party key.</summary>
    public const string OperatorOwner = "operator";

    private CredentialSecret(string text, PartyKey? party, string credentialId)
    {
        Text = text;
        Party = party;
        CredentialId = credentialId;
    }

    /// <summary>The whole secret, as sent in <c>authorization: Bearer</c>.</summary>
    public string Text { get; }

    /// <summary>The party that owns it, or null for the operator.</summary>
    public PartyKey? Party { get; }

    /// <summary>The public id of the credential.</summary>
    public string CredentialId { get; }

    /// <summary>Whether this is the hub operator's credential.</summary>
    public bool IsOperator => Party is null;

    /// <summary>Makes a new random secret for a party, or for the operator when <paramref name="party"/> is null.</summary>
    public static CredentialSecret Generate(PartyKey? party)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var random = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var owner = party?.ToString() ?? OperatorOwner;
        return new CredentialSecret($"{Prefix}_{owner}_{id}_{random}", party, id);
    }

    /// <summary>Parses a secret's public parts. False for anything not of the hub's form.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out CredentialSecret? secret)
    {
        secret = null;
        if (text is null || text.Length is < 20 or > 200)
        {
            return false;
        }

        var parts = text.Split('_');
        if (parts.Length != 4 || parts[0] != Prefix || parts[2].Length != 12 || parts[3].Length != 64
            || !IsLowerHex(parts[2]) || !IsLowerHex(parts[3]))
        {
            return false;
        }

        PartyKey? party = null;
        if (parts[1] != OperatorOwner)
        {
            if (!PartyKey.TryParse(parts[1], out var key))
            {
                return false;
            }

            party = key;
        }

        secret = new CredentialSecret(text, party, parts[2]);
        return true;
    }

    /// <summary>The SHA-256 hash the hub stores and compares.</summary>
    public byte[] Hash() => HashOf(Text);

    /// <summary>The SHA-256 hash of a secret's text.</summary>
    public static byte[] HashOf(string text) => SHA256.HashData(Encoding.UTF8.GetBytes(text));

    /// <summary>Compares two hashes in constant time.</summary>
    public static bool HashesEqual(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => CryptographicOperations.FixedTimeEquals(a, b);

    /// <summary>Never prints the secret part.</summary>
    public override string ToString() => $"{Prefix}_{Party?.ToString() ?? OperatorOwner}_{CredentialId}_***";

    private static bool IsLowerHex(string s)
    {
        foreach (var c in s)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
