using ClearingHouse.Application.Tokens;
using ClearingHouse.Application.Channels;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Tokens;

namespace ClearingHouse.Server.Tokens;

/// <summary>
/// One open AuthorizationChannel stream of an EMSP on this silo: a bounded queue of requests the
/// stream's writer sends, and the requests waiting for an answer on this channel.
/// </summary>
public sealed class MspChannel(PartyKey emsp, string id, int capacity) : PartyChannel<AuthorizationRequest, MspReply>(emsp, id, capacity)
{
    /// <summary>The EMSP.</summary>
    public PartyKey Emsp => Party;

    /// <summary>
    /// Queues a request whose answer completes <paramref name="answer"/> (with null when the channel
    /// drops first). False when the channel is closed or its queue is full: try another channel.
    /// </summary>
    public bool TrySend(AuthorizationRequest request, TaskCompletionSource<MspReply?> answer)
    {
        ArgumentNullException.ThrowIfNull(request);
        return TrySend(request.RequestId, request, answer);
    }
}
