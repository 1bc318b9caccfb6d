using ClearingHouse.Domain.Locations;

namespace ClearingHouse.Application.Locations;

/// <summary>
/// The status messages of one stream that are applied together, column-wise: their updates in the order sent, each
/// traceable to its (message, update) position for rejections, with a per-message count of rejected updates. Reused
/// for every apply of the stream, so an update costs no allocation of its own.
/// </summary>
public sealed class StatusWork
{
    private readonly List<string> _locationIds = [];
    private readonly List<string> _evseUids = [];
    private readonly List<EvseStatus> _statuses = [];
    private readonly List<long> _ticks = [];
    private readonly List<(int Message, int Update)> _positions = [];
    private readonly List<(long Index, int Updates, int Rejected)> _messages = [];
    private int _firstOfMessage;

    /// <summary>Updates by location id (indices into this work), filled while applying.</summary>
    internal Dictionary<string, List<int>> Groups { get; } = new(StringComparer.Ordinal);

    /// <summary>How many updates.</summary>
    public int Count => _locationIds.Count;

    /// <summary>How many messages.</summary>
    public int MessageCount => _messages.Count;

    /// <summary>Per message: its updates and how many of them were rejected.</summary>
    internal IEnumerable<(int Updates, int Rejected)> Tallies => _messages.Select(m => (m.Updates, m.Rejected));

    /// <summary>
    /// Adds one update of the current message. An edge passes what it received as is: an unknown status as
    /// <see cref="EvseStatus.Unspecified"/> and a missing or unreadable time as 0 ticks, which the ingest rejects as invalid.
    /// </summary>
    public void Add(string locationId, string evseUid, EvseStatus status, long lastUpdatedTicks)
    {
        var m = _messages.Count - 1;
        _locationIds.Add(locationId);
        _evseUids.Add(evseUid);
        _statuses.Add(status);
        _ticks.Add(lastUpdatedTicks);
        _positions.Add((m, _positions.Count - _firstOfMessage));
        _messages[m] = _messages[m] with { Updates = _messages[m].Updates + 1 };
    }

    /// <summary>Empties the work for the next apply.</summary>
    internal void Clear()
    {
        _locationIds.Clear();
        _evseUids.Clear();
        _statuses.Clear();
        _ticks.Clear();
        _positions.Clear();
        _messages.Clear();
        Groups.Clear();
    }

    /// <summary>Starts a message, <paramref name="index"/> being its position in the stream.</summary>
    internal void BeginMessage(long index)
    {
        _messages.Add((index, 0, 0));
        _firstOfMessage = _positions.Count;
    }

    /// <summary>The location id of the <paramref name="i"/>-th update.</summary>
    internal string LocationId(int i) => _locationIds[i];

    /// <summary>The EVSE uid of the <paramref name="i"/>-th update.</summary>
    internal string EvseUid(int i) => _evseUids[i];

    /// <summary>The status of the <paramref name="i"/>-th update.</summary>
    internal EvseStatus Status(int i) => _statuses[i];

    /// <summary>The last_updated (UTC ticks) of the <paramref name="i"/>-th update.</summary>
    internal long Ticks(int i) => _ticks[i];

    /// <summary>Where the <paramref name="i"/>-th update was in the stream.</summary>
    internal (long MessageIndex, int UpdateIndex) Position(int i) => (_messages[_positions[i].Message].Index, _positions[i].Update);

    /// <summary>Counts the <paramref name="i"/>-th update as rejected in its message's tally.</summary>
    internal void CountRejected(int i)
    {
        var m = _positions[i].Message;
        _messages[m] = _messages[m] with { Rejected = _messages[m].Rejected + 1 };
    }
}
