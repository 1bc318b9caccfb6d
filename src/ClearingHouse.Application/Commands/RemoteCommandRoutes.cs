using ClearingHouse.Application.Channels;
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

/// <summary>Which CPOs <see cref="CommandFlow"/> reaches through an <see cref="IRemoteCommandSender"/> instead of their command channels.</summary>
public sealed class RemoteCommandRoutes : RemoteRoutes<IRemoteCommandSender>;
