using System.Net;

namespace ClearingHouse.Ocpi.Outbound;

/// <summary>
/// The hosts the hub may call for partners (<c>Ocpi:PartnerHosts</c>): a partner names the URLs the hub calls with its
/// token (versions, endpoints, response_url), so without a list a partner could point the hub at an internal address.
/// An entry is a host name or IP address (exact, case-insensitive), <c>*.example.com</c> (any subdomain of
/// example.com, not example.com itself) or <c>*</c> (any host). With no entry, the profile decides: loopback only
/// (<c>localhost</c>, 127.0.0.0/8, ::1) in Embedded, any host in Cluster.
/// </summary>
public sealed class OcpiPartnerHosts
{
    private readonly HashSet<string> _exact = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _suffixes = [];
    private readonly bool _any;
    private readonly bool _loopbackOnly;

    /// <summary>Builds the list from <paramref name="entries"/> (already validated); <paramref name="loopbackByDefault"/> when empty.</summary>
    public OcpiPartnerHosts(IReadOnlyList<string> entries, bool loopbackByDefault)
    {
        ArgumentNullException.ThrowIfNull(entries);
        foreach (var entry in entries.Select(e => e.Trim()))
        {
            if (entry == "*")
            {
                _any = true;
            }
            else if (entry.StartsWith("*.", StringComparison.Ordinal))
            {
                _suffixes.Add(entry[1..]);
            }
            else
            {
                _exact.Add(entry.Trim('[', ']'));
            }
        }

        _loopbackOnly = entries.Count == 0 && loopbackByDefault;
        _any |= entries.Count == 0 && !loopbackByDefault;
        Described = _any ? "any host" : _loopbackOnly ? "loopback only (the Embedded default)" : string.Join(", ", entries);
    }

    /// <summary>What the list allows, for messages and the start-up log.</summary>
    public string Described { get; }

    /// <summary>Whether the hub may call <paramref name="uri"/>'s host.</summary>
    public bool Allows(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (_any)
        {
            return true;
        }

        var host = uri.DnsSafeHost;
        if (_loopbackOnly)
        {
            return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
        }

        return _exact.Contains(host) || _suffixes.Exists(s => host.Length > s.Length && host.EndsWith(s, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Why <paramref name="entry"/> cannot be an entry of <c>Ocpi:PartnerHosts</c>, or null when it can.</summary>
    public static string? Validate(string? entry)
    {
        var e = entry?.Trim() ?? "";
        if (e == "*")
        {
            return null;
        }

        var host = e.StartsWith("*.", StringComparison.Ordinal) ? e[2..] : e.Trim('[', ']');
        return host.Length is 0 or > 253 || Uri.CheckHostName(host) == UriHostNameType.Unknown
            ? $"'{entry}' is not a host name, an IP address, '*.domain' or '*' (no scheme, port or path)"
            : null;
    }
}
