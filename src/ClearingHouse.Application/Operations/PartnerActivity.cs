using System.Collections.Concurrent;
using ClearingHouse.Domain.Parties;

namespace ClearingHouse.Application.Operations;

/// <summary>
/// Per-partner call counters of this silo since it started (the operator's health view): last authenticated call,
/// calls, calls that ended in an error status. One dictionary lookup and two interlocked writes per call.
/// </summary>
public sealed class PartnerActivity
{
    private readonly ConcurrentDictionary<PartyKey, Entry> _entries = new();

    /// <summary>Records an authenticated call of <paramref name="party"/> at <paramref name="nowTicks"/> (UTC ticks).</summary>
    public void Called(PartyKey party, long nowTicks)
    {
        var entry = _entries.GetOrAdd(party, static _ => new Entry());
        Interlocked.Increment(ref entry.Calls);
        Interlocked.Exchange(ref entry.LastSeenTicks, nowTicks);
    }

    /// <summary>Records that a call of <paramref name="party"/> ended in an error status.</summary>
    public void Failed(PartyKey party) => Interlocked.Increment(ref _entries.GetOrAdd(party, static _ => new Entry()).Errors);

    /// <summary>(last seen, calls, errors) of <paramref name="party"/>, or null when it made no call here.</summary>
    public (DateTimeOffset LastSeen, long Calls, long Errors)? Get(PartyKey party) =>
        _entries.TryGetValue(party, out var e)
            ? (new DateTimeOffset(Interlocked.Read(ref e.LastSeenTicks), TimeSpan.Zero), Interlocked.Read(ref e.Calls), Interlocked.Read(ref e.Errors))
            : null;

    private sealed class Entry
    {
        public long Calls;
        public long Errors;
        public long LastSeenTicks;
    }
}
