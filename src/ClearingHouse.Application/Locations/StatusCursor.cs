using System.Globalization;
using System.Text;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Errors;

namespace ClearingHouse.Application.Locations;

/// <summary>
/// A subscription's resume cursor: per CPO feed, its epoch and the last sequence delivered. Opaque
/// to clients (base64url of <c>v1;NL-ABC-CPO=epoch:seq;...</c>).
/// </summary>
public static class StatusCursor
{
    /// <summary>Encodes positions.</summary>
    public static string Encode(IReadOnlyDictionary<string, (string Epoch, long Sequence)> positions)
    {
        var sb = new StringBuilder("v1");
        foreach (var (cpo, (epoch, seq)) in positions.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            sb.Append(';').Append(cpo).Append('=').Append(epoch).Append(':').Append(seq.ToString(CultureInfo.InvariantCulture));
        }

        return Convert.ToBase64String(Encoding.UTF8.GetBytes(sb.ToString())).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>Decodes a cursor; InvalidArgument when it was not made by the hub.</summary>
    public static Dictionary<string, (string Epoch, long Sequence)> Decode(string cursor)
    {
        var result = new Dictionary<string, (string, long)>(StringComparer.Ordinal);
        try
        {
            var b64 = cursor.Replace('-', '+').Replace('_', '/');
            b64 = b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '=');
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(b64)).Split(';');
            if (parts[0] != "v1")
            {
                throw Bad();
            }

            foreach (var part in parts.Skip(1))
            {
                var eq = part.IndexOf('=', StringComparison.Ordinal);
                var colon = part.LastIndexOf(':');
                if (eq <= 0 || colon <= eq || !PartyKey.TryParse(part[..eq], out _)
                    || !long.TryParse(part.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
                {
                    throw Bad();
                }

                result[part[..eq]] = (part[(eq + 1)..colon], seq);
            }
        }
        catch (FormatException)
        {
            throw Bad();
        }

        return result;
    }

    private static HubException Bad() =>
        new(HubErrorCode.InvalidArgument, "resume_cursor is not a cursor this hub returned", "resume_cursor");
}
