using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using ClearingHouse.Domain.Parties;

namespace ClearingHouse.Application.Channels;

/// <summary>
/// Which parties a flow reaches through another protocol (an OCPI platform) instead of their gRPC channels, one
/// <typeparamref name="TRemote"/> each. An edge replaces its whole set at once (<see cref="Replace"/>); readers see one
/// frozen snapshot, so a hot path pays one dictionary lookup, and only when it has a party to reach.
/// </summary>
/// <typeparam name="TRemote">How the flow reaches such a party (an authorizer, a command sender).</typeparam>
public abstract class RemoteRoutes<TRemote>
    where TRemote : class
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, IReadOnlyDictionary<PartyKey, TRemote>> _bySource = new(StringComparer.Ordinal);
    private FrozenDictionary<PartyKey, TRemote> _routes = FrozenDictionary<PartyKey, TRemote>.Empty;

    /// <summary>How <paramref name="party"/> is reached, when it is reached by another protocol.</summary>
    public bool TryGet(PartyKey party, [NotNullWhen(true)] out TRemote? remote) =>
        Volatile.Read(ref _routes).TryGetValue(party, out remote);

    /// <summary>
    /// Sets the routes of <paramref name="source"/> (an edge, e.g. <c>ocpi</c>) to exactly <paramref name="routes"/>:
    /// parties it routed before and no longer lists go back to their gRPC channels; other sources' routes are kept (a
    /// party two sources list is reached by the one set last).
    /// </summary>
    public void Replace(string source, IReadOnlyDictionary<PartyKey, TRemote> routes)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(routes);
        lock (_gate)
        {
            _bySource[source] = routes;
            var merged = new Dictionary<PartyKey, TRemote>();
            foreach (var (_, set) in _bySource)
            {
                foreach (var (party, remote) in set)
                {
                    merged[party] = remote;
                }
            }

            Volatile.Write(ref _routes, merged.ToFrozenDictionary());
        }
    }
}
