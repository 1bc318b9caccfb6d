using ClearingHouse.Domain.Locations;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Operations;
using ClearingHouse.Grains.Options;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Grains.Locations;

/// <inheritdoc cref="ILocationGrain" />
public sealed class LocationGrain(
    [PersistentState("location", StorageProviders.Durable)] IPersistentState<LocationState> state,
    StatusWriteBehind writeBehind,
    StatusPublisher publisher,
    HubClock clock,
    ILocationStore store,
    IDataQualityStore quality,
    IOptions<TariffHistoryOptions> tariffHistory) : Grain, ILocationGrain
{
    private EvseStatusBoard? _board;
    private StatusUpdate[] _scratch = [];
    private StatusOutcome[] _outcomes = [];
    private EvseStatusRow[] _rows = [];
    private FeedEvent[] _events = [];
    private string? _feedKey;

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Location is { } stored)
        {
            var location = SharedStrings.Compact(stored);
            state.State.Location = location;
            // Statuses live in the write-behind table (and the silo's queue), newer than the object's
            // EVSEs whenever a status update arrived after the last put.
            var written = await store.ReadStatusesAsync(this.GetPrimaryKeyString(), cancellationToken);
            _board = BuildBoard(location);
            foreach (var row in written.Concat(writeBehind.PendingFor(this.GetPrimaryKeyString())))
            {
                _board.Apply(new StatusUpdate(location.Id, row.EvseUid, row.Status, row.LastUpdatedTicks));
            }
        }
    }

    /// <inheritdoc />
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // A clean shutdown deactivates every grain: make this location's statuses durable first.
        await writeBehind.FlushAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task<LocationWriteResult> Put(LocationData location)
    {
        var held = state.State.Location;
        if (held is not null && held.LastUpdated > location.LastUpdated)
        {
            return new LocationWriteResult { Applied = false, Location = Current()! };
        }

        // Per EVSE, a status the hub holds that is newer than the put's stays (newer-only).
        var merged = location with { Evses = [.. location.Evses.Select(KeepNewerStatus)] };
        var before = _board;
        await CommitAsync(merged);
        await PublishChangesAsync(before);
        return new LocationWriteResult { Applied = true, Location = Current()! };
    }

    /// <inheritdoc />
    public async Task<LocationWriteResult> Patch(LocationPatch patch)
    {
        var held = Require();
        if (held.LastUpdated > patch.LastUpdated)
        {
            return new LocationWriteResult { Applied = false, Location = Current()! };
        }

        var updated = held with
        {
            Publish = patch.Publish ?? held.Publish,
            Name = patch.Name ?? held.Name,
            Address = patch.Address ?? held.Address,
            City = patch.City ?? held.City,
            PostalCode = patch.PostalCode ?? held.PostalCode,
            State = patch.State ?? held.State,
            Country = patch.Country ?? held.Country,
            Latitude = patch.Latitude ?? held.Latitude,
            Longitude = patch.Longitude ?? held.Longitude,
            TimeZone = patch.TimeZone ?? held.TimeZone,
            OpeningTimes = patch.OpeningTimes ?? held.OpeningTimes,
            Facilities = patch.Facilities ?? held.Facilities,
            Evses = [.. Merge(held.Evses, patch.Evses).Select(KeepNewerStatus)],
            LastUpdated = patch.LastUpdated,
        };
        var before = _board;
        await CommitAsync(updated);
        await PublishChangesAsync(before);
        return new LocationWriteResult { Applied = true, Location = Current()! };
    }

    /// <inheritdoc />
    public async Task<LocationWriteResult> PatchEvse(EvsePatch patch)
    {
        var held = Require();
        var index = Array.FindIndex(held.Evses, e => e.Uid == patch.Uid);
        if (index < 0)
        {
            throw new HubException(HubErrorCode.NotFound, $"location {held.Id} has no EVSE {patch.Uid}");
        }

        var evse = KeepNewerStatus(held.Evses[index]);
        if (evse.LastUpdated > patch.LastUpdated)
        {
            return new LocationWriteResult { Applied = false, Location = Current()! };
        }

        var evses = held.Evses.Select(KeepNewerStatus).ToArray();
        evses[index] = evse with
        {
            Status = patch.Status ?? evse.Status,
            EvseId = patch.EvseId ?? evse.EvseId,
            FloorLevel = patch.FloorLevel ?? evse.FloorLevel,
            PhysicalReference = patch.PhysicalReference ?? evse.PhysicalReference,
            Connectors = patch.Connectors ?? evse.Connectors,
            LastUpdated = patch.LastUpdated,
        };
        var location = held with { Evses = evses, LastUpdated = Max(held.LastUpdated, patch.LastUpdated) };
        await CommitAsync(location);
        if (patch.Status is { } status)
        {
            // A patch naming a status publishes it even when unchanged: the CPO stated it at this time.
            await PublishOne(evses[index].Uid, status, patch.LastUpdated.UtcTicks);
        }

        return new LocationWriteResult { Applied = true, Location = Current()! };
    }

    /// <inheritdoc />
    public Task<LocationData?> Get() => Task.FromResult(Current());

    /// <inheritdoc />
    public Task<LocationPricingView?> GetForPricing()
    {
        if (Current() is not { } location)
        {
            // Asked about by a CDR naming a location the CPO never published: do not keep an empty grain around.
            DeactivateOnIdle();
            return Task.FromResult<LocationPricingView?>(null);
        }

        return Task.FromResult<LocationPricingView?>(new LocationPricingView { Location = location, TariffHistory = state.State.TariffHistory ?? [] });
    }

    /// <inheritdoc />
    public Task<string?> GetTimeZone()
    {
        if (state.State.Location is not { } location)
        {
            // Asked about by a CDR naming a location the CPO never published: do not keep an empty grain around.
            DeactivateOnIdle();
            return Task.FromResult<string?>(null);
        }

        return Task.FromResult<string?>(location.TimeZone);
    }

    /// <inheritdoc />
    public Task<StatusBatchResult> ApplyStatuses(StatusBatch batch)
    {
        var n = batch.EvseUids.Length;
        var outcomes = new StatusOutcome[n];
        if (_board is null || state.State.Location is not { } location)
        {
            Array.Fill(outcomes, StatusOutcome.UnknownLocation);
            DeactivateOnIdle();
            return Task.FromResult(new StatusBatchResult { Outcomes = outcomes });
        }

        if (_scratch.Length < n)
        {
            _scratch = new StatusUpdate[n];
            _rows = new EvseStatusRow[n];
        }

        if (_events.Length < n)
        {
            _events = new FeedEvent[n];
        }

        for (var i = 0; i < n; i++)
        {
            _scratch[i] = new StatusUpdate(location.Id, batch.EvseUids[i], batch.Statuses[i], batch.LastUpdatedTicks[i]);
        }

        _board.ApplyAll(_scratch.AsSpan(0, n), outcomes);
        var key = this.GetPrimaryKeyString();
        var receivedTicks = clock.UtcNow.UtcTicks;
        var accepted = 0;
        for (var i = 0; i < n; i++)
        {
            if (outcomes[i] == StatusOutcome.Accepted)
            {
                _rows[accepted] = new EvseStatusRow(key, batch.EvseUids[i], batch.Statuses[i], batch.LastUpdatedTicks[i]);
                _events[accepted++] = new FeedEvent
                {
                    LocationId = location.Id,
                    EvseUid = batch.EvseUids[i],
                    Status = batch.Statuses[i],
                    LastUpdatedTicks = batch.LastUpdatedTicks[i],
                    ReceivedTicks = receivedTicks,
                };
            }
        }

        if (accepted > 0)
        {
            writeBehind.Enqueue(key, _rows.AsSpan(0, accepted));
            // Queued in the order applied (the publisher copies the events and keeps one ordered queue per CPO),
            // not awaited: holding this grain for the feed call serialized every batch of a CPO behind one feed
            // call at a time (status-storm batched fell from 6-9k to 2.5k messages/s). Status is write-behind
            // anyway; a put or patch still waits for its publication.
            publisher.Enqueue(FeedKey(location), _events.AsSpan(0, accepted));
        }

        return Task.FromResult(new StatusBatchResult { Outcomes = outcomes });
    }

    // The feed of this location's CPO (its text form), kept so a batch costs no formatting.
    private string FeedKey(LocationData location) => _feedKey ??= location.Cpo.ToString();

    // After a put or patch: every EVSE whose status is new to the hub or differs from the one held
    // before the write (a status the hub held newer was kept by KeepNewerStatus, so it is no change).
    private Task PublishChangesAsync(EvseStatusBoard? before)
    {
        var evses = state.State.Location!.Evses;
        if (_events.Length < evses.Length)
        {
            _events = new FeedEvent[evses.Length];
        }

        var receivedTicks = clock.UtcNow.UtcTicks;
        var n = 0;
        foreach (var evse in evses)
        {
            if (before is null || !before.TryGet(evse.Uid, out var held, out _) || held != evse.Status)
            {
                _events[n++] = new FeedEvent { LocationId = state.State.Location.Id, EvseUid = evse.Uid, Status = evse.Status, LastUpdatedTicks = evse.LastUpdated.UtcTicks, ReceivedTicks = receivedTicks };
            }
        }

        return n == 0 ? Task.CompletedTask : publisher.PublishAsync(FeedKey(state.State.Location), _events.AsSpan(0, n));
    }

    private Task PublishOne(string evseUid, EvseStatus status, long lastUpdatedTicks)
    {
        if (_events.Length == 0)
        {
            _events = new FeedEvent[1];
        }

        _events[0] = new FeedEvent { LocationId = state.State.Location!.Id, EvseUid = evseUid, Status = status, LastUpdatedTicks = lastUpdatedTicks, ReceivedTicks = clock.UtcNow.UtcTicks };
        return publisher.PublishAsync(FeedKey(state.State.Location), _events.AsSpan(0, 1));
    }

    private LocationData Require() =>
        state.State.Location ?? throw new HubException(HubErrorCode.NotFound, $"location {this.GetPrimaryKeyString()} is not known; put it first");

    // The location with the statuses the board holds now.
    private LocationData? Current() =>
        state.State.Location is { } location && _board is not null
            ? location with { Evses = [.. location.Evses.Select(KeepNewerStatus)] }
            : state.State.Location;

    private EvseData KeepNewerStatus(EvseData evse) =>
        _board is not null && _board.TryGet(evse.Uid, out var status, out var at) && at > evse.LastUpdated
            ? evse with { Status = status, LastUpdated = at }
            : evse;

    // The held EVSEs with those of a patch replacing theirs by uid, new ones after them.
    private static IEnumerable<EvseData> Merge(EvseData[] held, EvseData[]? patched)
    {
        if (patched is null)
        {
            return held;
        }

        var byUid = patched.ToDictionary(e => e.Uid, StringComparer.Ordinal);
        return held.Select(e => byUid.Remove(e.Uid, out var replacement) ? replacement : e)
            .ToArray() // the replaced ones leave byUid before the new ones are appended
            .Concat(patched.Where(e => byUid.ContainsKey(e.Uid)));
    }

    private static EvseStatusBoard BuildBoard(LocationData location) =>
        new([.. location.Evses.Select(e => (e.Uid, e.Status, e.LastUpdated))]);

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    // Writes the object, then the index row; on a failed write the state is reloaded so the
    // activation never serves a change that is not durable.
    private async Task CommitAsync(LocationData location)
    {
        location = SharedStrings.Compact(location);
        var previous = state.State.Location;
        var previousHistory = state.State.TariffHistory;
        state.State.Location = location;
        // A connector whose tariff_ids change keeps the list it had, so a CDR of a session started before the change
        // is judged by what the connector listed then; kept as long as tariff versions.
        var listings = ConnectorTariffHistory.Record(previousHistory ?? [], previous, location, clock.UtcNow - tariffHistory.Value.HistoryRetention);
        state.State.TariffHistory = listings.Length == 0 ? null : listings;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State.Location = previous;
            state.State.TariffHistory = previousHistory;
            await state.ReadStateAsync();
            throw;
        }

        _board = BuildBoard(location);
        var latest = Max(location.LastUpdated, _board.LatestChange());
        await store.UpsertIndexAsync(new LocationIndexEntry(location.Cpo.ToString(), location.Id, location.Cpo.CountryCode, latest.UtcTicks));

        // The findings' view of the location: its connectors' tariff ids are only in this grain's (opaque) state, and
        // an EVSE that never had a status update would otherwise have no row to age.
        var evses = location.Evses.Select(KeepNewerStatus).ToArray();
        await quality.RecordLocationAsync(new LocationFacts(
            location.Cpo,
            location.Id,
            location.Publish,
            [.. evses.Select(e => (e.Uid, e.Status, e.LastUpdated.UtcTicks))],
            [.. evses.SelectMany(e => e.Connectors.Select(c => new ConnectorTariffs(e.Uid, c.Id, c.TariffIds)))]));
    }
}
