using System.Globalization;
using System.Text;
using ClearingHouse.Grains.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace ClearingHouse.Ocpi.Transport;

/// <summary>
/// OCPI paging (<c>offset</c>, <c>limit</c>, <c>date_from</c>, <c>date_to</c>) on the store's keyset paging. The
/// next-page link carries, beside OCPI's offset, an opaque <c>cursor</c> (the last key returned), so following it is
/// one keyset read, stable under concurrent writes; an offset without a cursor (a client that computes its own) is
/// served by reading from the start.
/// </summary>
/// <param name="Offset">Objects to skip.</param>
/// <param name="Limit">Objects to return at most (bounded by the hub's page size).</param>
/// <param name="DateFrom">Only objects last updated at or after this (inclusive).</param>
/// <param name="DateTo">Only objects last updated before this (exclusive).</param>
/// <param name="Cursor">The key after which the page starts, from a next link.</param>
public sealed record OcpiPage(int Offset, int Limit, DateTimeOffset? DateFrom, DateTimeOffset? DateTo, string? Cursor)
{
    /// <summary>Reads the paging parameters; InvalidArgument naming a malformed one.</summary>
    public static OcpiPage Parse(HttpRequest request, int maxLimit)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = request.Query;
        var offset = Int(query["offset"], "offset", 0);
        var limit = Int(query["limit"], "limit", maxLimit);
        if (limit == 0)
        {
            throw new HubException(HubErrorCode.InvalidArgument, "limit must be positive", "limit");
        }

        string? cursor = null;
        if (query["cursor"].ToString() is { Length: > 0 } text)
        {
            try
            {
                cursor = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(text));
            }
            catch (FormatException)
            {
                throw new HubException(HubErrorCode.InvalidArgument, "cursor is not one this hub returned", "cursor");
            }
        }

        return new OcpiPage(offset, Math.Min(limit, maxLimit), Date(query["date_from"], "date_from"), Date(query["date_to"], "date_to"), cursor);
    }

    /// <summary>
    /// Sets X-Limit, X-Total-Count when known, and the Link to the next page (every filter of the request kept) when
    /// <paramref name="nextCursor"/> is set.
    /// </summary>
    public void WriteHeaders(HttpContext context, string pathUrl, int returned, string? nextCursor, long? totalCount)
    {
        ArgumentNullException.ThrowIfNull(context);
        var headers = context.Response.Headers;
        headers["X-Limit"] = Limit.ToString(CultureInfo.InvariantCulture);
        if (totalCount is { } total)
        {
            headers["X-Total-Count"] = total.ToString(CultureInfo.InvariantCulture);
        }

        if (nextCursor is null)
        {
            return;
        }

        var next = new Dictionary<string, string?>
        {
            ["offset"] = (Offset + returned).ToString(CultureInfo.InvariantCulture),
            ["limit"] = Limit.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var name in new[] { "date_from", "date_to" })
        {
            if (context.Request.Query[name].ToString() is { Length: > 0 } value)
            {
                next[name] = value;
            }
        }

        next["cursor"] = WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(nextCursor));
        headers.Link = $"<{QueryHelpers.AddQueryString(pathUrl, next)}>; rel=\"next\"";
    }

    private static int Int(Microsoft.Extensions.Primitives.StringValues value, string field, int fallback) =>
        value.Count == 0 || value.ToString().Length == 0 ? fallback
        : int.TryParse(value.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
        : throw new HubException(HubErrorCode.InvalidArgument, $"{field} must be a non-negative integer", field);

    private static DateTimeOffset? Date(Microsoft.Extensions.Primitives.StringValues value, string field)
    {
        if (value.Count == 0 || value.ToString().Length == 0)
        {
            return null;
        }

        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<DateTimeOffset>($"\"{value.ToString().Replace("\"", "", StringComparison.Ordinal)}\"", OcpiJson.Options);
        }
        catch (System.Text.Json.JsonException)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field} must be an RFC 3339 date-time in UTC", field);
        }
    }
}
