using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ClearingHouse.Grains.Errors;
using Microsoft.AspNetCore.Http;

namespace ClearingHouse.Ocpi.Transport;

/// <summary>
/// A request body the core takes as OCPI JSON text (a tariff, a CDR: the core parses, prices and stores the text as
/// the party sent it). Read here, checked to be one JSON object, and parsed once with the core's own reader so a bad
/// field is refused in OCPI's terms (HTTP 400, 2001 naming it) before the core is called.
/// </summary>
public static partial class OcpiDocument
{
    /// <summary>The body as text; InvalidArgument ("body") when it is not a JSON object (the size bound is the middleware's).</summary>
    public static async Task<string> ReadTextAsync(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentType is { } type && !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"the body must be application/json, not {type}", "body");
        }

        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 32 });
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? text
                : throw new HubException(HubErrorCode.InvalidArgument, "body: must be a JSON object", "body");
        }
        catch (JsonException)
        {
            throw new HubException(HubErrorCode.InvalidArgument, "body: is not valid JSON", "body");
        }
    }

    /// <summary>
    /// Parses <paramref name="json"/> with the core's reader; InvalidArgument naming the field (<c>total_cost.excl_vat</c>)
    /// when it does not read.
    /// </summary>
    public static T Parse<T>(string json, Func<string, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        try
        {
            return read(json);
        }
        catch (JsonException ex)
        {
            var (field, reason) = Describe(ex);
            throw new HubException(HubErrorCode.InvalidArgument, $"{field}: {reason}", field);
        }
    }

    // The serializer's messages name .NET types and positions; a partner gets the field and the reason in OCPI's terms.
    private static (string Field, string Reason) Describe(JsonException ex)
    {
        var path = ex.Path is null or "$" ? "" : ex.Path.StartsWith("$.", StringComparison.Ordinal) ? ex.Path[2..] : ex.Path.TrimStart('$');
        if (MissingRequired().Match(ex.Message) is { Success: true } missing)
        {
            var name = missing.Groups[1].Value;
            return (path.Length == 0 ? name : $"{path}.{name}", "is required");
        }

        var field = path.Length == 0 ? "body" : path;
        var reason = ex.Message.Contains("could not be converted to ClearingHouse.", StringComparison.Ordinal) ? "unknown value"
            : ex.Message.Contains("could not be converted", StringComparison.Ordinal) ? "has the wrong JSON type"
            : ex.Message.Contains("null", StringComparison.OrdinalIgnoreCase) && ex.InnerException is null && ex.Message.Contains("doesn't allow", StringComparison.Ordinal) ? "must not be null"
            : ex.InnerException is null && !ex.Message.Contains("Path:", StringComparison.Ordinal) ? Shorten(ex.Message)
            : "is not valid";
        return (field, reason);
    }

    private static string Shorten(string message) => message.Length > 200 ? message[..200] + "..." : message;

    [GeneratedRegex(@"missing required properties including: '([a-z0-9_]+)'", RegexOptions.CultureInvariant)]
    private static partial Regex MissingRequired();
}
