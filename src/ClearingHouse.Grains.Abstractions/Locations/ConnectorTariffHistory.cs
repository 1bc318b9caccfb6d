namespace ClearingHouse.Grains.Locations;

/// <summary>
/// The bounded history of what each connector of a location listed in <c>tariff_ids</c>: a put or patch that changes a
/// connector's list records the list it replaces (<see cref="ConnectorTariffListing"/>), so a CDR arriving after the
/// change is still judged by the list in force when its session started.
/// </summary>
public static class ConnectorTariffHistory
{
    /// <summary>
    /// Most earlier lists kept per connector: a CPO rewriting a connector's tariffs many times a day cannot grow a
    /// location's state without bound (the oldest go first; a CDR older than what is kept is then not judged).
    /// </summary>
    public const int MaxPerConnector = 32;

    /// <summary>
    /// The history after <paramref name="next"/> replaces <paramref name="previous"/>: <paramref name="held"/>, plus
    /// one listing per connector (present in both) whose <c>tariff_ids</c> changed, minus listings that ended before
    /// <paramref name="horizon"/> and the oldest past <see cref="MaxPerConnector"/> per connector. A removed connector
    /// keeps its listings until they age out. Returns <paramref name="held"/> itself when nothing changed.
    /// </summary>
    public static ConnectorTariffListing[] Record(ConnectorTariffListing[] held, LocationData? previous, LocationData next, DateTimeOffset horizon)
    {
        ArgumentNullException.ThrowIfNull(held);
        ArgumentNullException.ThrowIfNull(next);
        List<ConnectorTariffListing>? added = null;
        if (previous is not null)
        {
            foreach (var evse in next.Evses)
            {
                var before = Array.Find(previous.Evses, e => e.Uid == evse.Uid);
                if (before is null)
                {
                    continue;
                }

                foreach (var connector in evse.Connectors)
                {
                    var old = Array.Find(before.Connectors, c => c.Id == connector.Id);
                    if (old is null || old.TariffIds.AsSpan().SequenceEqual(connector.TariffIds))
                    {
                        continue;
                    }

                    // The change happened when the CPO says the connector changed; a CPO that did not move the
                    // connector's last_updated forward changed it with the object's.
                    var until = connector.LastUpdated > old.LastUpdated ? connector.LastUpdated : Max(next.LastUpdated, evse.LastUpdated);
                    var since = LatestUntil(held, evse.Uid, connector.Id) is { } end && end <= old.LastUpdated ? end : old.LastUpdated;
                    (added ??= []).Add(new ConnectorTariffListing
                    {
                        EvseUid = evse.Uid,
                        ConnectorId = connector.Id,
                        TariffIds = old.TariffIds,
                        Since = since < until ? since : until,
                        Until = until,
                    });
                }
            }
        }

        var aged = Array.Exists(held, l => l.Until < horizon);
        if (added is null && !aged && held.Length <= MaxPerConnector)
        {
            return held;
        }

        var kept = held.Where(l => l.Until >= horizon).Concat(added ?? []).ToList();
        // Oldest first per connector; past the cap, the oldest of a connector go.
        return [.. kept
            .GroupBy(l => (l.EvseUid, l.ConnectorId))
            .SelectMany(g => g.OrderBy(l => l.Until).TakeLast(MaxPerConnector))];
    }

    /// <summary>
    /// What one connector listed at <paramref name="at"/>: its current list when the hub knows it was in force then
    /// (since the end of its last recorded listing, or the connector's <c>last_updated</c> when none is recorded), else
    /// the recorded listing covering <paramref name="at"/>; null when the hub cannot tell (the instant is before
    /// everything it keeps).
    /// </summary>
    /// <param name="current">The connector's current list.</param>
    /// <param name="currentLastUpdated">The connector's current <c>last_updated</c>.</param>
    /// <param name="listings">The connector's recorded listings, oldest first.</param>
    /// <param name="at">The instant asked about.</param>
    public static string[]? ListedAt(string[] current, DateTimeOffset currentLastUpdated, IReadOnlyList<ConnectorTariffListing> listings, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(listings);
        var currentSince = listings.Count > 0 ? listings[^1].Until : currentLastUpdated;
        if (currentSince <= at)
        {
            return current;
        }

        for (var i = listings.Count - 1; i >= 0; i--)
        {
            if (listings[i].Since <= at && at < listings[i].Until)
            {
                return listings[i].TariffIds;
            }
        }

        return null;
    }

    private static DateTimeOffset? LatestUntil(ConnectorTariffListing[] held, string evseUid, string connectorId)
    {
        DateTimeOffset? latest = null;
        foreach (var l in held)
        {
            if (l.EvseUid == evseUid && l.ConnectorId == connectorId && (latest is null || l.Until > latest))
            {
                latest = l.Until;
            }
        }

        return latest;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
