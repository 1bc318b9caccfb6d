using System.Diagnostics.CodeAnalysis;

namespace ClearingHouse.Domain.Parties;

/// <summary>
/// Identifies one party as OCPI does: <c>country_code</c> + <c>party_id</c> + role. Its text form,
/// <c>NL-ABC-CPO</c>, is used as a grain key and in credentials, so it never contains <c>_</c>.
/// </summary>
public readonly record struct PartyKey(string CountryCode, string PartyId, PartyRole Role) : IComparable<PartyKey>
{
    /// <summary>The text form, for example <c>NL-ABC-CPO</c>.</summary>
    public override string ToString() => $"{CountryCode}-{PartyId}-{(Role == PartyRole.Cpo ? "CPO" : "EMSP")}";

    /// <summary>Parses the text form (<c>NL-ABC-CPO</c>, <c>DE-XYZ-EMSP</c>); false when malformed.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out PartyKey? key)
    {
        key = null;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var parts = text.Split('-');
        if (parts.Length != 3
            || PartyRules.ValidateCountryCode(parts[0]) is not null
            || PartyRules.ValidatePartyId(parts[1]) is not null)
        {
            return false;
        }

        PartyRole role;
        switch (parts[2].ToUpperInvariant())
        {
            case "CPO": role = PartyRole.Cpo; break;
            case "EMSP": role = PartyRole.Emsp; break;
            default: return false;
        }

        key = new PartyKey(parts[0], parts[1], role);
        return true;
    }

    /// <inheritdoc />
    public int CompareTo(PartyKey other)
    {
        var c = string.CompareOrdinal(CountryCode, other.CountryCode);
        if (c != 0)
        {
            return c;
        }

        c = string.CompareOrdinal(PartyId, other.PartyId);
        return c != 0 ? c : Role.CompareTo(other.Role);
    }

    /// <summary>Ordering operator, for keyset paging.</summary>
    public static bool operator <(PartyKey left, PartyKey right) => left.CompareTo(right) < 0;

    /// <summary>Ordering operator, for keyset paging.</summary>
    public static bool operator >(PartyKey left, PartyKey right) => left.CompareTo(right) > 0;

    /// <summary>Ordering operator, for keyset paging.</summary>
    public static bool operator <=(PartyKey left, PartyKey right) => left.CompareTo(right) <= 0;

    /// <summary>Ordering operator, for keyset paging.</summary>
    public static bool operator >=(PartyKey left, PartyKey right) => left.CompareTo(right) >= 0;
}
