using System.Collections.Frozen;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Tokens;

namespace ClearingHouse.Application.Tokens;

/// <summary>
/// Asks an EMSP that is reached by another protocol than the hub's gRPC authorization channel (an OCPI platform's
/// <c>tokens/{uid}/authorize</c>). Answers the same <see cref="MspReply"/> as the channel hub, so the decision,
/// fallback and record path of <see cref="AuthorizationCore"/> is one for every EMSP.
/// </summary>
public interface IRemoteMspAuthorizer
{
    /// <summary>
    /// Asks the EMSP within <see cref="MspAsk.Timeout"/>: Answered, Timeout (no answer in time) or NoChannel (the EMSP
    /// could not be used: unreachable, refused, or answered something the hub does not trust). Never throws for the
    /// EMSP's failures; an OperationCanceledException only when <paramref name="cancellationToken"/> (the caller) is cancelled.
    /// </summary>
    Task<MspReply> AskAsync(MspAsk ask, CancellationToken cancellationToken);
}

/// <summary>
/// Which EMSPs <see cref="AuthorizationCore"/> asks through an <see cref="IRemoteMspAuthorizer"/> instead of their gRPC
/// channels. An edge replaces its whole set at once (<see cref="Replace"/>); readers see one frozen snapshot, so the
/// hot path pays one dictionary lookup, and only when the EMSP is to be asked.
/// </summary>
public sealed class RemoteMspRoutes
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, IReadOnlyDictionary<PartyKey, IRemoteMspAuthorizer>> _bySource = new(StringComparer.Ordinal);
    private FrozenDictionary<PartyKey, IRemoteMspAuthorizer> _routes = FrozenDictionary<PartyKey, IRemoteMspAuthorizer>.Empty;

    /// <summary>The authorizer of <paramref name="emsp"/>, when it is reached by another protocol.</summary>
    public bool TryGet(PartyKey emsp, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IRemoteMspAuthorizer? authorizer) =>
        Volatile.Read(ref _routes).TryGetValue(emsp, out authorizer);

    /// <summary>
    /// Sets the routes of <paramref name="source"/> (an edge, e.g. <c>ocpi</c>) to exactly <paramref name="routes"/>: EMSPs
    /// it routed before and no longer lists go back to their gRPC channels; other sources' routes are kept.
    /// </summary>
    public void Replace(string source, IReadOnlyDictionary<PartyKey, IRemoteMspAuthorizer> routes)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(routes);
        lock (_gate)
        {
            _bySource[source] = routes;
            var merged = new Dictionary<PartyKey, IRemoteMspAuthorizer>();
            foreach (var (_, set) in _bySource)
            {
                foreach (var (emsp, authorizer) in set)
                {
                    merged[emsp] = authorizer;
                }
            }

            Volatile.Write(ref _routes, merged.ToFrozenDictionary());
        }
    }
}
