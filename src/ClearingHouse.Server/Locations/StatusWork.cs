using ClearingHouse.Application.Locations;
using ClearingHouse.Contracts.V1;

namespace ClearingHouse.Server.Locations;

/// <summary>
/// The status messages of one stream that are applied together: their updates in the order sent, each
/// traceable to its (message, update) position for rejections, with a per-message count of rejected updates.
/// Reused for every apply of the stream.
/// </summary>
internal sealed class StatusWork
{
    private readonly List<StatusUpdate> updates = [];
    private readonly List<(int Message, int Update)> positions = [];
    private readonly List<(long Index, int Updates, int Rejected)> messages = [];

    /// <summary>Updates by location id (indices into this work), filled while applying.</summary>
    public Dictionary<string, List<int>> Groups { get; } = new(StringComparer.Ordinal);

    /// <summary>How many updates.</summary>
    public int Count => updates.Count;

    /// <summary>How many messages.</summary>
    public int MessageCount => messages.Count;

    /// <summary>Per message: its updates and how many of them were rejected.</summary>
    public IEnumerable<(int Updates, int Rejected)> Tallies => messages.Select(m => (m.Updates, m.Rejected));

    /// <summary>Empties the work for the next apply.</summary>
    public void Clear()
    {
        updates.Clear();
        positions.Clear();
        messages.Clear();
        Groups.Clear();
    }

    /// <summary>Adds a message, <paramref name="index"/> being its position in the stream.</summary>
    public void Add(StreamStatusUpdatesRequest message, long index)
    {
        var m = messages.Count;
        messages.Add((index, message.Updates.Count, 0));
        for (var j = 0; j < message.Updates.Count; j++)
        {
            updates.Add(message.Updates[j]);
            positions.Add((m, j));
        }
    }

    /// <summary>The <paramref name="i"/>-th update.</summary>
    public StatusUpdate Update(int i) => updates[i];

    /// <summary>Where the <paramref name="i"/>-th update was in the stream.</summary>
    public (long MessageIndex, int UpdateIndex) Position(int i) => (messages[positions[i].Message].Index, positions[i].Update);

    /// <summary>Counts the <paramref name="i"/>-th update as rejected in its message's tally.</summary>
    public void CountRejected(int i)
    {
        var m = positions[i].Message;
        messages[m] = messages[m] with { Rejected = messages[m].Rejected + 1 };
    }
}
