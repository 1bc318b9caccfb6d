using System.Collections.Concurrent;
using System.Threading.Channels;
using ClearingHouse.Domain.Parties;

namespace ClearingHouse.Application.Channels;

/// <summary>
/// One open long-lived stream of a party on this silo, over which the hub sends requests and the party
/// answers them by id: a bounded queue of messages the stream's writer sends, and the requests waiting
/// for an answer. Shared by the EMSP authorization channel and the CPO command channel.
/// </summary>
/// <typeparam name="TMessage">What the hub writes to the stream.</typeparam>
/// <typeparam name="TReply">The answer a waiting request gets.</typeparam>
public class PartyChannel<TMessage, TReply>
    where TReply : class
{
    private readonly Channel<TMessage> _outbox;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<TReply?>> _pending = new(StringComparer.Ordinal);
    private volatile bool _closed;

    /// <summary>Creates a channel with a queue of <paramref name="capacity"/> messages.</summary>
    public PartyChannel(PartyKey party, string id, int capacity)
    {
        Party = party;
        Id = id;
        _outbox = Channel.CreateBounded<TMessage>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    }

    /// <summary>The party whose stream this is.</summary>
    public PartyKey Party { get; }

    /// <summary>The hub's id of this channel.</summary>
    public string Id { get; }

    /// <summary>Messages to write to the stream.</summary>
    public ChannelReader<TMessage> Outbox => _outbox.Reader;

    /// <summary>Whether the channel has closed.</summary>
    public bool IsClosed => _closed;

    /// <summary>
    /// Queues a message whose answer (under <paramref name="requestId"/>) completes <paramref name="answer"/>
    /// (with null when the channel drops first). False when the channel is closed or its queue is full:
    /// try another channel.
    /// </summary>
    public bool TrySend(string requestId, TMessage message, TaskCompletionSource<TReply?> answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        if (_closed)
        {
            return false;
        }

        _pending[requestId] = answer;
        if (!_outbox.Writer.TryWrite(message) || _closed)
        {
            _pending.TryRemove(requestId, out _);
            return false;
        }

        return true;
    }

    /// <summary>Stops waiting for a request's answer (it timed out); a late answer then counts as unknown.</summary>
    public void Forget(string requestId) => _pending.TryRemove(requestId, out _);

    /// <summary>Delivers an answer; false when no request with this id waits on this channel.</summary>
    public bool TryAnswer(string requestId, TReply reply) =>
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
