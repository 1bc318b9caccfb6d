using System.Globalization;
using System.Text;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Errors;

namespace ClearingHouse.Application.Cdrs;

/// <summary>
/// A SubscribeCdrs resume cursor: the EMSP and a feed position. Opaque to clients (base64url of
/// <c>c1;DE-XYZ-EMSP;major;minor</c>); a cursor of another EMSP is refused.
/// </summary>
public static class CdrFeedCursor
{
    /// <summary>Encodes a position of <paramref name="emsp"/>'s feed.</summary>
    public static string Encode(PartyKey emsp, CdrFeedPosition position)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"c1;{emsp};{position.Major};{position.Minor}");
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>Decodes a cursor of <paramref name="emsp"/>; InvalidArgument when the hub did not make it for that EMSP.</summary>
    public static CdrFeedPosition Decode(string cursor, PartyKey emsp)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        try
        {
            var b64 = cursor.Replace('-', '+').Replace('_', '/');
            b64 = b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '=');
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(b64)).Split(';');
            if (parts.Length == 4 && parts[0] == "c1"
                && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var major)
                && long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
            {
                return parts[1] == emsp.ToString()
                    ? new CdrFeedPosition(major, minor)
                    : throw new HubException(HubErrorCode.InvalidArgument, $"resume_cursor belongs to another party's subscription, not {emsp}'s", "resume_cursor");
            }
        }
        catch (FormatException)
        {
        }

        throw new HubException(HubErrorCode.InvalidArgument, "resume_cursor is not a cursor this hub returned", "resume_cursor");
    }
}
