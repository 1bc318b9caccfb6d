using System.Collections.Frozen;

namespace ClearingHouse.Domain.Parties;

/// <summary>
/// Field rules for parties, shared by the gRPC edge and the grains. Each validator returns null when
/// the value is valid, else a message for the caller that names what is wrong.
/// </summary>
public static class PartyRules
{
    /// <summary>The longest display name a party may have.</summary>
    public const int MaxNameLength = 100;

    /// <summary>The longest reason text an operator may give for a change.</summary>
    public const int MaxReasonLength = 500;

    // The officially assigned ISO 3166-1 alpha-2 codes. Hand-written because invariant globalization
    // (on for the server) leaves RegionInfo without data, and no served package carries the list.
    private static readonly FrozenSet<string> CountryCodes = """
        AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE
        BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD
        CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
        DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF
        GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU
        ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
        KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME
        MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
        NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
        PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI
        SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK
        TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
        VN VU WF WS YE YT ZA ZM ZW
        """.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).ToFrozenSet(StringComparer.Ordinal);

    /// <summary>ISO 3166-1 alpha-2, upper case, officially assigned.</summary>
    public static string? ValidateCountryCode(string? value) =>
        string.IsNullOrEmpty(value) ? "is required"
        : value.Length != 2 || !char.IsAsciiLetterUpper(value[0]) || !char.IsAsciiLetterUpper(value[1])
            ? "must be an ISO 3166-1 alpha-2 code in upper case, for example NL"
        : !CountryCodes.Contains(value) ? $"'{value}' is not an ISO 3166-1 alpha-2 country code"
        : null;

    /// <summary>Three upper-case letters or digits (OCPI <c>party_id</c>).</summary>
    public static string? ValidatePartyId(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "is required";
        }

        if (value.Length != 3)
        {
            return "must be exactly 3 characters";
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterUpper(c) && !char.IsAsciiDigit(c))
            {
                return "must be upper-case letters A-Z or digits 0-9";
            }
        }

        return null;
    }

    /// <summary>A display name: 1 to <see cref="MaxNameLength"/> characters, no control characters, not blank.</summary>
    public static string? ValidateName(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return "is required";
        }

        if (value.Length > MaxNameLength)
        {
            return $"must be at most {MaxNameLength} characters";
        }

        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                return "must not contain control characters";
            }
        }

        return null;
    }

    /// <summary>An optional free-text reason, at most <see cref="MaxReasonLength"/> characters.</summary>
    public static string? ValidateReason(string? value) =>
        value is not null && value.Length > MaxReasonLength ? $"must be at most {MaxReasonLength} characters" : null;
}
