using System.Diagnostics;
using ClearingHouse.Application.Channels;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains.Tokens;

namespace ClearingHouse.Application.Tokens;

/// <summary>
/// One real-time authorization request as the hub queues it on an EMSP's channel; the edge writes it in its
/// wire form. A struct around the ask it serves, so queueing a request allocates nothing of its own.
/// </summary>
/// <param name="RequestId">The hub-wide id the EMSP answers under.</param>
/// <param name="Ask">The question: token, CPO, location, authorization reference.</param>
/// <param name="Deadline">When the hub stops waiting for the answer (UTC).</param>
/// <param name="Trace">The trace of the CPO's call that asks (default when tracing is off), so the write to the EMSP joins it.</param>
public readonly record struct MspAuthorizationRequest(string RequestId, MspAsk Ask, DateTime Deadline, ActivityContext Trace = default);

/// <summary>
/// One message an EMSP sent on its authorization channel, as the edge read it, unchecked: the core
/// (<see cref="AuthorizationChannelCore"/>) decides whether it is well formed.
/// </summary>
public readonly record struct MspAnswer
{
    /// <summary>A message that carries no answer (malformed: the channel is closed).</summary>
    public static MspAnswer None => default;

    /// <summary>Whether the message carried an answer at all.</summary>
    public bool IsAnswer { get; init; }

    /// <summary>The request answered (valid: 1 to 64 characters).</summary>
    public string RequestId { get; init; }

    /// <summary>The EMSP's decision as sent (valid: a defined <see cref="AllowedType"/>).</summary>
    public AllowedType Allowed { get; init; }

    /// <summary>Language of the EMSP's display text; null when the answer has no display text.</summary>
    public string? InfoLanguage { get; init; }

    /// <summary>The EMSP's display text (possibly empty); null when the answer has none.</summary>
    public string? InfoText { get; init; }
}

/// <summary>
/// One open authorization channel of an EMSP on this silo: a bounded queue of requests the edge's writer
/// sends, and the requests waiting for an answer on this channel.
/// </summary>
public sealed class MspChannel(PartyKey emsp, string id, int capacity) : PartyChannel<MspAuthorizationRequest, MspReply>(emsp, id, capacity)
{
    /// <summary>The EMSP.</summary>
    public PartyKey Emsp => Party;

    /// <summary>
    /// Queues a request whose answer completes <paramref name="answer"/> (with null when the channel
    /// drops first). False when the channel is closed or its queue is full: try another channel.
    /// </summary>
    public bool TrySend(MspAuthorizationRequest request, TaskCompletionSource<MspReply?> answer) => TrySend(request.RequestId, request, answer);
}
