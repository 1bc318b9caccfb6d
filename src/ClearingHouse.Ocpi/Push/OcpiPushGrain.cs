using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains;
using ClearingHouse.Ocpi.Credentials;
using ClearingHouse.Ocpi.Outbound;

namespace ClearingHouse.Ocpi.Push;

/// <inheritdoc cref="IOcpiPushGrain" />
/// <remarks>
/// The feed loops (<see cref="OcpiPushFeeds"/>) run outside the grain's turns (they wait on live feeds for as long as
/// the activation lives) and come back through the grain's reference to store a cursor. A timer keeps the activation
/// alive and re-checks the registration; <see cref="OcpiPushStarter"/> on every silo calls <see cref="Ensure"/>, which
/// re-activates the grain somewhere after its silo died.
/// </remarks>
internal sealed class OcpiPushGrain(
    [PersistentState("ocpi-push", StorageProviders.Durable)] IPersistentState<OcpiPushState> state,
    OcpiPartnerDirectory directory,
    OcpiPushFeeds feeds) : Grain, IOcpiPushGrain, IDisposable
{
    private static readonly TimeSpan CheckPeriod = TimeSpan.FromSeconds(30);
    private OcpiPushTargets? _targets;
    private CancellationTokenSource? _stop;
    private Task _running = Task.CompletedTask;
    private IGrainTimer? _timer;
    private readonly HashSet<string> _open = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public async Task Ensure()
    {
        var targets = Targets();
        if (targets == _targets)
        {
            return;
        }

        await StopAsync();
        _open.Clear();
        _targets = targets;
        if (targets is null)
        {
            _timer?.Dispose();
            _timer = null;
            DeactivateOnIdle();
            return;
        }

        _stop = new CancellationTokenSource();
        var self = this.AsReference<IOcpiPushGrain>();
        var cursors = new Dictionary<string, string>(state.State.Cursors, StringComparer.Ordinal);
        var stop = _stop.Token;
        // Off the grain's scheduler: the loops wait on live feeds and must never hold the grain's turn.
        _running = Task.Run(() => feeds.RunAsync(targets, cursors, self, stop), CancellationToken.None);
        _timer ??= this.RegisterGrainTimer(_ => Ensure(), new GrainTimerCreationOptions { DueTime = CheckPeriod, Period = CheckPeriod, KeepAlive = true });
    }

    /// <inheritdoc />
    public async Task SaveCursor(string feed, string cursor)
    {
        state.State.Cursors[feed] = cursor;
        await state.CommitOrReloadAsync();
    }

    /// <inheritdoc />
    public Task Opened(string feed)
    {
        _open.Add(feed);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task Closed(string feed)
    {
        _open.Remove(feed);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<OcpiPushView> Get() => Task.FromResult(new OcpiPushView
    {
        Following = _targets?.Feeds ?? [],
        Cursors = new Dictionary<string, string>(state.State.Cursors, StringComparer.Ordinal),
        Open = [.. _open],
    });

    /// <inheritdoc />
    public void Dispose()
    {
        _stop?.Cancel();
        _stop?.Dispose();
        _stop = null;
    }

    /// <inheritdoc />
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => StopAsync();

    // What the platform receives now: its receiver endpoints, while it is a registered EMSP.
    private OcpiPushTargets? Targets()
    {
        if (!PartyKey.TryParse(this.GetPrimaryKeyString(), out var party) || !directory.TryGet(party.Value, out var link))
        {
            return null;
        }

        // A CPO platform's locations/sessions/cdrs receivers are for what EMSPs send; the hub pushes it client info only.
        var emsp = party.Value.Role == PartyRole.Emsp;
        var targets = new OcpiPushTargets(
            party.Value,
            emsp ? link.Endpoint("locations", "RECEIVER") : null,
            emsp ? link.Endpoint("sessions", "RECEIVER") : null,
            emsp ? link.Endpoint("cdrs", "RECEIVER") : null,
            link.Endpoint("hubclientinfo", "RECEIVER"));
        return targets.Feeds.Count == 0 ? null : targets;
    }

    // Cancels the loops without waiting for them: a loop may be waiting for this grain (SaveCursor), which cannot run
    // before the current turn ends. A cancelled loop stores nothing more.
    private async Task StopAsync()
    {
        if (_stop is null)
        {
            return;
        }

        await _stop.CancelAsync();
        var stopped = _stop;
        _ = _running.ContinueWith(_ => stopped.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        _stop = null;
    }
}

/// <summary>Where one platform receives pushes.</summary>
/// <param name="Party">The platform's party.</param>
/// <param name="Locations">Its locations RECEIVER (EMSPs only), or null.</param>
/// <param name="Sessions">Its sessions RECEIVER (EMSPs only), or null.</param>
/// <param name="Cdrs">Its cdrs RECEIVER (EMSPs only), or null.</param>
/// <param name="ClientInfo">Its hubclientinfo RECEIVER, or null.</param>
internal sealed record OcpiPushTargets(PartyKey Party, string? Locations, string? Sessions, string? Cdrs, string? ClientInfo)
{
    /// <summary>The feeds these endpoints take.</summary>
    public IReadOnlyList<string> Feeds { get; } =
        [.. new[] { (Locations, OcpiPushFeeds.StatusFeed), (Sessions, OcpiPushFeeds.SessionsFeed), (Cdrs, OcpiPushFeeds.CdrsFeed), (ClientInfo, OcpiPushFeeds.ClientInfoFeed) }
            .Where(x => x.Item1 is not null).Select(x => x.Item2)];

    /// <inheritdoc />
    public bool Equals(OcpiPushTargets? other) =>
        other is not null && Party == other.Party && Locations == other.Locations && Sessions == other.Sessions && Cdrs == other.Cdrs && ClientInfo == other.ClientInfo;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Party, Locations, Sessions, Cdrs, ClientInfo);
}
