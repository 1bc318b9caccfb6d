using System.Collections.Frozen;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Commands;

namespace ClearingHouse.Application.Commands;

/// <summary>
/// Sends a command to a CPO reached by another protocol than the hub's gRPC command channel (an OCPI platform's
/// commands endpoint). Answers the same <see cref="CommandReply"/> as the channel hub, so <see cref="CommandFlow"/>'s
/// record, metrics and result path are one for every CPO.
/// </summary>
public interface IRemoteCommandSender
{
    /// <summary>
    /// Sends within <see cref="CommandAsk.Timeout"/>: the CPO's answer, Timeout (none in time) or NoChannel (the CPO
    /// could not be used). Never throws for the CPO's failures.
    /// </summary>
    Task<CommandReply> SendAsync(CommandAsk ask);

    /// <summary>Whether this CPO takes <paramref name="kind"/> this way; the others go to its gRPC command channel.</summary>
    bool Serves(CommandKind kind);
}

/// <summary>
/// Which CPOs <see cref="CommandFlow"/> reaches through an <see cref="IRemoteCommandSender"/> instead of their command
/// channels; an edge replaces its whole set at once, readers see one frozen snapshot.
/// </summary>
public sealed class RemoteCommandRoutes
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, IReadOnlyDictionary<PartyKey, IRemoteCommandSender>> _bySource = new(StringComparer.Ordinal);
    private FrozenDictionary<PartyKey, IRemoteCommandSender> _routes = FrozenDictionary<PartyKey, IRemoteCommandSender>.Empty;

    /// <summary>The sender of <paramref name="cpo"/>, when it is reached by another protocol.</summary>
    public bool TryGet(PartyKey cpo, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IRemoteCommandSender? sender) =>
        Volatile.Read(ref _routes).TryGetValue(cpo, out sender);

    /// <summary>Sets the routes of <paramref name="source"/> to exactly <paramref name="routes"/>; other sources' routes are kept.</summary>
    public void Replace(string source, IReadOnlyDictionary<PartyKey, IRemoteCommandSender> routes)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(routes);
        lock (_gate)
        {
            _bySource[source] = routes;
            Volatile.Write(ref _routes, _bySource.Values.SelectMany(r => r).GroupBy(r => r.Key).ToFrozenDictionary(g => g.Key, g => g.Last().Value));
        }
    }
}
