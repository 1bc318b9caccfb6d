using ClearingHouse.Grains.Channels;

namespace ClearingHouse.Application.Channels;

// The five fan-outs this mechanism replaces (issue 14 item 2), as they were:
// - Status feed: StatusSubscriptionHub (one per silo) subscribed its IStatusFeedObserver with the
//   StatusFeedGrain of every CPO a local subscriber wanted (key: the CPO), renewed all of them from its own
//   30 s Timer and unsubscribed idle CPOs at the next renewal. The grain kept observer -> last renewal (by
//   HubClock) and dropped observers unrenewed for 90 s, lazily on Publish.
// - CDR feed: CdrSubscriptionHub did the same with the CdrFeedGrain of each EMSP (key: the EMSP), its own
//   30 s Timer; the grain dropped unrenewed observers after 90 s, lazily on Notify.
// - Authorization and command channels: PartyRegistrationHub (a BackgroundService per hub) registered
//   (silo id string, observer) with the MspChannelGrain / CommandChannelGrain of each party holding an open
//   channel here (key: the party) on the first channel, unregistered on the last, and re-registered all on a
//   PeriodicTimer (Tokens:/Commands:ChannelRegistrationPeriod). PartyChannelRegistryGrain forgot silos not
//   refreshed for 3 periods (by Stopwatch) and removed a silo whose observer call failed.
// - Session feed: PartyFeedHub (on the same PartyRegistrationHub, Sessions:FeedRegistrationPeriod) with the
//   PartyFeedGrain of each EMSP, which kept its own silo -> (observer, Stopwatch) map with the 3-period expiry.
// None of them heard of cluster membership: a dead silo stayed registered until its lease ran out, and a
// registry re-activated after its silo died learned the live silos only at their next renewal.
//
// Now one mechanism, as Orleans' GPSTracker sample (HubListGrain, HubListUpdater) does it:
// - SiloRegistryGrain<TObserver> (Grains/Channels): one grain per key keeps one observer per silo in Orleans'
//   ObserverManager (expiry by an injectable clock), and drops silos that cluster membership counts as leaving
//   or dead, checked once per membership version. The five registries derive from it and add only what they
//   deliver (Publish/Replay, Notify, SessionsChanged/CommandResult, Ask/Send forwarding).
// - SiloRegistrations<TKey, TItem, TObserver, TRegistry>: this silo's items per key and their registration
//   (first item registers, last unregisters). The five hubs derive from it and add only their delivery.
// - SiloFanout (this class): the one BackgroundService per silo that re-registers everything this silo holds,
//   each kind at its own period, and at once when membership says another silo is leaving or dead (the
//   registries that lived there re-activate elsewhere empty).

/// <summary>One kind of this silo's registrations that <see cref="SiloFanout"/> renews.</summary>
public interface ISiloRegistrations
{
    /// <summary>How often these registrations are renewed; registries forget them after a few periods without.</summary>
    TimeSpan RenewalPeriod { get; }

    /// <summary>Re-registers every key this silo holds something of.</summary>
    Task RenewAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The one per-silo service of the fan-out mechanism: it renews every <see cref="ISiloRegistrations"/> of
/// this silo at its period, and all of them at once when cluster membership reports another silo leaving or
/// dead, so registry grains re-activated elsewhere learn this silo again without waiting for a period.
/// </summary>
public sealed partial class SiloFanout(
    IGrainFactory grains,
    ILocalSiloDetails silo,
    IClusterMembershipService membership,
    TimeProvider time,
    ILogger<SiloFanout> logger) : BackgroundService
{
    // The longest sleep, so kinds created after start are renewed on time.
    private static readonly TimeSpan MaxSleep = TimeSpan.FromSeconds(1);
    private readonly Lock _lock = new();
    private readonly List<Renewal> _renewals = [];

    /// <summary>The grain factory the registrations reach registries with.</summary>
    public IGrainFactory Grains { get; } = grains;

    /// <summary>This silo.</summary>
    public SiloAddress Silo { get; } = silo.SiloAddress;

    /// <summary>Adds a kind of registrations to renew (each hub adds itself when created).</summary>
    public void Add(ISiloRegistrations registrations)
    {
        ArgumentNullException.ThrowIfNull(registrations);
        lock (_lock)
        {
            _renewals.Add(new Renewal(registrations) { Due = time.GetUtcNow() + registrations.RenewalPeriod });
        }
    }

    /// <summary>Re-registers everything this silo holds, now.</summary>
    public Task RenewAllAsync(CancellationToken cancellationToken = default)
    {
        Renewal[] all;
        lock (_lock)
        {
            all = [.. _renewals];
        }

        return Task.WhenAll(all.Select(r => RenewAsync(r, cancellationToken)));
    }

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(RenewPeriodicallyAsync(stoppingToken), RenewOnMembershipChangesAsync(stoppingToken));

    private async Task RenewPeriodicallyAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var now = time.GetUtcNow();
                Renewal[] due;
                var next = now + MaxSleep;
                lock (_lock)
                {
                    due = [.. _renewals.Where(r => r.Due <= now)];
                    foreach (var renewal in due)
                    {
                        renewal.Due = now + renewal.Registrations.RenewalPeriod;
                    }

                    foreach (var renewal in _renewals)
                    {
                        next = renewal.Due < next ? renewal.Due : next;
                    }
                }

                await Task.WhenAll(due.Select(r => RenewAsync(r, stoppingToken)));
                var sleep = next - time.GetUtcNow();
                if (sleep > TimeSpan.Zero)
                {
                    await Task.Delay(sleep, time, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RenewOnMembershipChangesAsync(CancellationToken stoppingToken)
    {
        try
        {
            var previous = membership.CurrentSnapshot;
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                var update = snapshot.CreateUpdate(previous);
                previous = snapshot;
                var departed = update.Changes.FirstOrDefault(m => m.Status.IsTerminating() && !m.SiloAddress.Equals(Silo));
                if (departed is not null)
                {
                    LogSiloDeparted(logger, departed.SiloAddress.ToString(), departed.Status.ToString());
                    await RenewAllAsync(stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RenewAsync(Renewal renewal, CancellationToken cancellationToken)
    {
        try
        {
            await renewal.Registrations.RenewAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogRenewalFailed(logger, ex, renewal.Registrations.GetType().Name);
        }
    }

    [LoggerMessage(EventId = 8611, Level = LogLevel.Information, Message = "Silo {Silo} is {Status} in cluster membership; re-registering this silo's feeds and channels")]
    private static partial void LogSiloDeparted(ILogger logger, string silo, string status);

    [LoggerMessage(EventId = 8612, Level = LogLevel.Warning, Message = "Renewing {Kind} failed; retrying at the next period")]
    private static partial void LogRenewalFailed(ILogger logger, Exception exception, string kind);

    private sealed class Renewal(ISiloRegistrations registrations)
    {
        public ISiloRegistrations Registrations { get; } = registrations;

        public DateTimeOffset Due { get; set; }
    }
}
