using System.Collections.Concurrent;
using System.Threading.Channels;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Tokens;

namespace ClearingHouse.Server.Tokens;

/// <summary>
/// One open AuthorizationChannel stream of an EMSP on this silo: a bounded queue of requests the
/// stream's writer sends, and the requests waiting for an answer on this channel.
/// </summary>
public sealed class MspChannel
{
    private readonly Channel<AuthorizationRequest> _outbox;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<MspReply?>> _pending = new(StringComparer.Ordinal);
    private volatile bool _closed;

    /// <summary>Creates a channel with a queue of <paramref name="capacity"/> requests.</summary>
    public MspChannel(PartyKey emsp, string id, int capacity)
    {
        Emsp = emsp;
        Id = id;
        _outbox = Channel.CreateBounded<AuthorizationRequest>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    }

    /// <summary>The EMSP.</summary>
    public PartyKey Emsp { get; }

    /// <summary>The hub's id of this channel.</summary>
    public string Id { get; }

    /// <summary>Requests to write to the stream.</summary>
    public ChannelReader<AuthorizationRequest> Outbox => _outbox.Reader;

    /// <summary>Whether the channel has closed.</summary>
    public bool IsClosed => _closed;

    /// <summary>
    /// Queues a request whose answer completes <paramref name="answer"/> (with null when the channel
    /// drops first). False when the channel is closed or its queue is full: try another channel.
    /// </summary>
    public bool TrySend(AuthorizationRequest request, TaskCompletionSource<MspReply?> answer)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_closed)
        {
            return false;
        }

        _pending[request.RequestId] = answer;
        if (!_outbox.Writer.TryWrite(request) || _closed)
        {
            _pending.TryRemove(request.RequestId, out _);
            return false;
        }

        return true;
    }

    /// <summary>Stops waiting for a request's answer (it timed out); a late answer then counts as unknown.</summary>
    public void Forget(string requestId) => _pending.TryRemove(requestId, out _);

    /// <summary>Delivers an answer; false when no request with this id waits on this channel.</summary>
    public bool TryAnswer(string requestId, MspReply reply) =>
        _pending.TryRemove(requestId, out var waiting) && waiting.TrySetResult(reply);

    /// <summary>Closes the channel: every waiting request fails over at once (its task completes with null).</summary>
    public void Close()
    {
        _closed = true;
        _outbox.Writer.TryComplete();
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var waiting))
            {
                waiting.TrySetResult(null);
            }
        }
    }
}
