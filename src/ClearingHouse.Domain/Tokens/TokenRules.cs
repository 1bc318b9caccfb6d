namespace ClearingHouse.Domain.Tokens;

/// <summary>Field rules of OCPI tokens. Each returns null when valid, else what is wrong.</summary>
public static class TokenRules
{
    /// <summary>Longest uid, contract id, group id, location id and EVSE uid (OCPI CiString(36)).</summary>
    public const int MaxIdLength = 36;

    /// <summary>Longest issuer, visual number and energy supplier fields (OCPI string(64)).</summary>
    public const int MaxTextLength = 64;

    /// <summary>A token uid: 1 to 36 printable ASCII characters, no spaces.</summary>
    public static string? ValidateUid(string? uid) => ValidateId(uid, required: true);

    /// <summary>An OCPI CiString(36) id: printable ASCII without spaces; empty only when optional.</summary>
    public static string? ValidateId(string? value, bool required, int maxLength = MaxIdLength)
    {
        if (string.IsNullOrEmpty(value))
        {
            return required ? "is required" : null;
        }

        if (value.Length > maxLength)
        {
            return $"must be at most {maxLength} characters";
        }

        foreach (var c in value)
        {
            if (c is <= ' ' or > '~')
            {
                return "must be printable ASCII without spaces";
            }
        }

        return null;
    }

    /// <summary>A free text (issuer, visual number): no control characters, within the length.</summary>
    public static string? ValidateText(string? value, bool required, int maxLength = MaxTextLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return required ? "is required" : null;
        }

        if (value.Length > maxLength)
        {
            return $"must be at most {maxLength} characters";
        }

        return value.Any(char.IsControl) ? "must not contain control characters" : null;
    }

    /// <summary>An ISO 639-1 language code: empty, or 2 lower-case letters.</summary>
    public static string? ValidateLanguage(string? value) =>
        string.IsNullOrEmpty(value) || (value.Length == 2 && value.All(c => c is >= 'a' and <= 'z'))
            ? null
            : "must be an ISO 639-1 code of 2 lower-case letters";
}
