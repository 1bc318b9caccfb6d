namespace ClearingHouse.Domain.Locations;

/// <summary>
/// The current status of every EVSE of one location, with the newer-only rule: an update applies only
/// when its <c>last_updated</c> is later than the one held, so replays and out-of-order delivery never
/// move an EVSE back in time. Struct-of-arrays keyed by uid: a location grain keeps one board and
/// applies whole batches without allocating per update. Not thread-safe (a grain is single-threaded).
/// A hub holds a board per location (100k+ of them), so a small board keeps no hash index: up to
/// <see cref="LinearLookupMax"/> EVSEs, a scan of the uids is as fast as hashing and saves about
/// 450 bytes per board.
/// </summary>
public sealed class EvseStatusBoard
{
    /// <summary>Boards of at most this many EVSEs find a uid by scanning instead of through a dictionary.</summary>
    public const int LinearLookupMax = 16;

    private readonly Dictionary<string, int>? _index;
    private readonly string[] _uids;
    private readonly EvseStatus[] _status;
    private readonly long[] _lastUpdated;

    /// <summary>A board of the given EVSEs with their current status and its last change.</summary>
    public EvseStatusBoard(IReadOnlyList<(string Uid, EvseStatus Status, DateTimeOffset LastUpdated)> evses)
    {
        ArgumentNullException.ThrowIfNull(evses);
        _index = evses.Count > LinearLookupMax ? new Dictionary<string, int>(evses.Count, StringComparer.Ordinal) : null;
        _uids = new string[evses.Count];
        _status = new EvseStatus[evses.Count];
        _lastUpdated = new long[evses.Count];
        for (var i = 0; i < evses.Count; i++)
        {
            var (uid, status, lastUpdated) = evses[i];
            _index?[uid] = i;
            _uids[i] = uid;
            _status[i] = status;
            _lastUpdated[i] = lastUpdated.UtcTicks;
        }
    }

    /// <summary>How many EVSEs.</summary>
    public int Count => _uids.Length;

    /// <summary>Applies one update if it is newer than what is held.</summary>
    public StatusOutcome Apply(in StatusUpdate update)
    {
        var i = IndexOf(update.EvseUid);
        if (i < 0)
        {
            return StatusOutcome.UnknownEvse;
        }

        if (update.LastUpdatedTicks <= _lastUpdated[i])
        {
            return StatusOutcome.Stale;
        }

        _status[i] = update.Status;
        _lastUpdated[i] = update.LastUpdatedTicks;
        return StatusOutcome.Accepted;
    }

    /// <summary>
    /// Applies a batch in order, writing each outcome to <paramref name="outcomes"/> (same length);
    /// returns how many were accepted.
    /// </summary>
    public int ApplyAll(ReadOnlySpan<StatusUpdate> updates, Span<StatusOutcome> outcomes)
    {
        if (outcomes.Length < updates.Length)
        {
            throw new ArgumentException("outcomes must be as long as updates", nameof(outcomes));
        }

        var accepted = 0;
        for (var i = 0; i < updates.Length; i++)
        {
            var outcome = Apply(updates[i]);
            outcomes[i] = outcome;
            if (outcome == StatusOutcome.Accepted)
            {
                accepted++;
            }
        }

        return accepted;
    }

    /// <summary>The status and last change of an EVSE, or false when unknown.</summary>
    public bool TryGet(string uid, out EvseStatus status, out DateTimeOffset lastUpdated)
    {
        var i = IndexOf(uid);
        if (i >= 0)
        {
            status = _status[i];
            lastUpdated = new DateTimeOffset(_lastUpdated[i], TimeSpan.Zero);
            return true;
        }

        status = EvseStatus.Unspecified;
        lastUpdated = default;
        return false;
    }

    /// <summary>The latest change over all EVSEs (MinValue when empty).</summary>
    public DateTimeOffset LatestChange()
    {
        var max = 0L;
        foreach (var t in _lastUpdated)
        {
            max = Math.Max(max, t);
        }

        return new DateTimeOffset(max, TimeSpan.Zero);
    }

    private int IndexOf(string uid)
    {
        if (_index is not null)
        {
            return _index.TryGetValue(uid, out var found) ? found : -1;
        }

        var uids = _uids;
        for (var i = 0; i < uids.Length; i++)
        {
            if (string.Equals(uids[i], uid, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
