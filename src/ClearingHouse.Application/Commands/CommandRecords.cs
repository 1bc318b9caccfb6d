using ClearingHouse.Application.Access;
using ClearingHouse.Grains.Commands;

namespace ClearingHouse.Application.Commands;

/// <summary>A command the hub recorded and routed: its id and how the CPO answered (or TIMEOUT, NO_CHANNEL).</summary>
public sealed record CommandSent(string CommandId, CommandReply Reply);

/// <summary>What a CPO sends on its command channel.</summary>
public enum CpoMessageKind
{
    /// <summary>Neither an answer nor a result: malformed.</summary>
    Unknown = 0,

    /// <summary>The immediate answer to a command (CommandResponseType).</summary>
    Answer = 1,

    /// <summary>The later result of an accepted command (CommandResultType).</summary>
    Result = 2,
}

/// <summary>
/// One message of a CPO's command channel as the edge read it, unchecked: the core validates it and closes the
/// channel with InvalidArgument when it is malformed.
/// </summary>
/// <param name="Kind">Answer, result, or neither.</param>
/// <param name="CommandId">The command it is about.</param>
/// <param name="Code">The CommandResponseType (answer) or CommandResultType (result) wire value; 0 when missing.</param>
/// <param name="TimeoutSeconds">The answer's seconds-to-result (0: the hub's default).</param>
/// <param name="Text">The CPO's display text, or null when it sent none.</param>
public sealed record CpoMessage(CpoMessageKind Kind, string CommandId, int Code, int TimeoutSeconds, CommandText? Text);

/// <summary>A CPO's open command channel as an edge holds it (a gRPC duplex stream today).</summary>
public interface ICommandChannelPeer
{
    /// <summary>Tells the CPO the channel is open: its id, and how long the hub waits for each answer.</summary>
    Task ReadyAsync(string channelId, TimeSpan answerDeadline);

    /// <summary>Writes one command to the CPO.</summary>
    Task WriteAsync(ChannelCommand command, CancellationToken cancellationToken);

    /// <summary>The CPO's messages, until it closes its side.</summary>
    IAsyncEnumerable<CpoMessage> ReadAllAsync(CancellationToken cancellationToken);
}
