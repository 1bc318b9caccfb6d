using System.Text.Json;
using ClearingHouse.Grains.Errors;
using Microsoft.AspNetCore.Http;

namespace ClearingHouse.Ocpi.Transport;

/// <summary>
/// Reads a request body as an OCPI object. Malformed JSON, a value of the wrong type or a bad date-time is a
/// refusal naming the field (HTTP 400, 2001) before anything is applied; the size bound is the middleware's.
/// </summary>
public static class OcpiBody
{
    /// <summary>Reads and parses the body; InvalidArgument naming the field on anything that does not parse.</summary>
    public static async Task<T> ReadAsync<T>(HttpRequest request)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentType is { } type && !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"the body must be application/json, not {type}", "body");
        }

        T? value;
        try
        {
            value = await JsonSerializer.DeserializeAsync<T>(request.Body, OcpiJson.Options, request.HttpContext.RequestAborted);
        }
        catch (JsonException ex)
        {
            var field = FieldOf(ex.Path);
            throw new HubException(HubErrorCode.InvalidArgument, $"{field}: {Reason(ex)}", field);
        }

        return value ?? throw new HubException(HubErrorCode.InvalidArgument, "the body must be a JSON object", "body");
    }

    // "$.evses[0].status" -> "evses[0].status"; the whole body when the path is the root or unknown.
    private static string FieldOf(string? path) =>
        path is null or "$" ? "body" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    // The serializer's own messages name .NET types; a partner gets the reason in OCPI's terms.
    private static string Reason(JsonException ex) =>
        ex.InnerException is null && ex.Message.StartsWith("must ", StringComparison.Ordinal) ? ex.Message
        : ex.Message.Contains("could not be converted", StringComparison.Ordinal) ? "has the wrong JSON type"
        : "is not valid JSON";
}

/// <summary>Field checks in OCPI's terms (required, maximum length, enum values); each failure names the field.</summary>
public static class OcpiFields
{
    /// <summary>The value, or InvalidArgument when it is missing or empty.</summary>
    public static T Required<T>(T? value, string field)
        where T : class =>
        value is null or "" ? throw new HubException(HubErrorCode.InvalidArgument, $"{field} is required", field) : value;

    /// <summary>The value, or InvalidArgument when it is missing.</summary>
    public static T Required<T>(T? value, string field)
        where T : struct =>
        value ?? throw new HubException(HubErrorCode.InvalidArgument, $"{field} is required", field);

    /// <summary>A required string of at most <paramref name="maxLength"/> characters.</summary>
    public static string Text(string? value, string field, int maxLength)
    {
        var text = Required(value, field);
        return text.Length > maxLength
            ? throw new HubException(HubErrorCode.InvalidArgument, $"{field} is longer than {maxLength} characters", field)
            : text;
    }

    /// <summary>An optional string of at most <paramref name="maxLength"/> characters.</summary>
    public static string? OptionalString(string? value, string field, int maxLength) =>
        value is null ? null : Text(value, field, maxLength);

    /// <summary>A required enum value in OCPI's upper-snake form (<c>OUT_OF_ORDER</c>); InvalidArgument for any other value.</summary>
    public static TEnum Enum<TEnum>(string? value, string field)
        where TEnum : struct, Enum
    {
        var text = Required(value, field);
        return TryEnum<TEnum>(text, out var parsed)
            ? parsed
            : throw new HubException(HubErrorCode.InvalidArgument, $"{field}: unknown value '{Truncate(text)}'", field);
    }

    /// <summary>Parses OCPI's upper-snake form into a .NET enum whose members are PascalCase.</summary>
    public static bool TryEnum<TEnum>(string text, out TEnum value)
        where TEnum : struct, Enum
    {
        value = default;
        if (text.Length is 0 or > 40 || text.Any(c => !(char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c == '_')))
        {
            return false;
        }

        return System.Enum.TryParse(text.Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out value)
            && System.Enum.IsDefined(value) && Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) != 0;
    }

    /// <summary>A .NET enum value in OCPI's upper-snake form.</summary>
    public static string Name<TEnum>(TEnum value)
        where TEnum : struct, Enum
    {
        var name = value.ToString();
        var builder = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]))
            {
                builder.Append('_');
            }

            builder.Append(char.ToUpperInvariant(name[i]));
        }

        return builder.ToString();
    }

    private static string Truncate(string text) => text.Length > 40 ? text[..40] + "..." : text;
}
