using ClearingHouse.Application.Access;
using ClearingHouse.Application.Cdrs;
using ClearingHouse.Application.Locations;
using ClearingHouse.Application.Sessions;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Ocpi.Outbound;
using Microsoft.Extensions.Logging;

namespace ClearingHouse.Ocpi.Push;

/// <summary>
/// Follows an EMSP's feeds in the core as the gRPC subscribers do (<see cref="StatusSubscriptions"/>,
/// <see cref="SessionFlow.SubscribeAsync"/>, <see cref="CdrFeed.SubscribeAsync"/>, as <see cref="CallerIdentity.Delivery"/>
/// of the EMSP: its agreements and suspension apply) and stores each change in the EMSP's durable outbox, then the
/// feed's cursor. A feed that ends (the EMSP suspended, the store away, a slow-subscriber cut) is opened again from its
/// cursor after a wait that doubles up to a minute.
/// </summary>
internal sealed partial class OcpiPushFeeds(
    StatusSubscriptions statuses,
    SessionFlow sessions,
    CdrFeed cdrs,
    IGrainFactory grains,
    AccessPolicy policy,
    OcpiPartnerDirectory directory,
    ILogger<OcpiPushFeeds> logger)
{
    /// <summary>EVSE status changes, to the locations receiver.</summary>
    public const string StatusFeed = "status";

    /// <summary>Session changes, to the sessions receiver.</summary>
    public const string SessionsFeed = "sessions";

    /// <summary>CDRs, to the cdrs receiver.</summary>
    public const string CdrsFeed = "cdrs";

    /// <summary>The connection status of the party's counterparts, to the hubclientinfo receiver.</summary>
    public const string ClientInfoFeed = "clientinfo";

    // How often the counterparts' status is compared with what the platform was last told.
    private static readonly TimeSpan ClientInfoInterval = TimeSpan.FromSeconds(5);

    // A status cursor is stored at most this often: a replay after a crash re-sends at most this much, and a status
    // PATCH carries its own last_updated (the receiver keeps the newest).
    private static readonly TimeSpan StatusCursorInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(1);

    /// <summary>Runs every feed <paramref name="targets"/> has a receiver for until <paramref name="stop"/>.</summary>
    public Task RunAsync(OcpiPushTargets targets, Dictionary<string, string> cursors, IOcpiPushGrain self, CancellationToken stop)
    {
        var outbox = grains.GetGrain<IOcpiOutboxGrain>(targets.Party.ToString());
        var caller = CallerIdentity.Delivery(targets.Party);
        var loops = new List<Task>();
        if (targets.Locations is { } locations)
        {
            loops.Add(KeepAsync(targets.Party, StatusFeed, cursors, self, c => StatusAsync(caller, locations, outbox, self, c, stop), stop));
        }

        if (targets.Sessions is { } sessionsUrl)
        {
            loops.Add(KeepAsync(targets.Party, SessionsFeed, cursors, self, c => SessionsAsync(caller, sessionsUrl, outbox, self, c, stop), stop));
        }

        if (targets.Cdrs is { } cdrsUrl)
        {
            loops.Add(KeepAsync(targets.Party, CdrsFeed, cursors, self, c => CdrsAsync(caller, cdrsUrl, outbox, self, c, stop), stop));
        }

        if (targets.ClientInfo is { } clientInfoUrl)
        {
            loops.Add(KeepAsync(targets.Party, ClientInfoFeed, cursors, self, c => ClientInfoAsync(targets.Party, clientInfoUrl, outbox, self, c, stop), stop));
        }

        return Task.WhenAll(loops);
    }

    // Runs one feed again and again from its latest cursor (the loops update cursors[feed] as they store it).
    private async Task KeepAsync(PartyKey emsp, string feed, Dictionary<string, string> cursors, IOcpiPushGrain self, Func<Cursor, Task> once, CancellationToken stop)
    {
        var cursor = new Cursor(feed, cursors.GetValueOrDefault(feed));
        var wait = TimeSpan.FromSeconds(1);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await once(cursor);
                wait = TimeSpan.FromSeconds(1);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // PermissionDenied while the EMSP is suspended; Unavailable while the store is away; anything else is logged as well.
                LogFeedEnded(logger, feed, emsp.ToString(), ex is HubException h ? h.Code.ToString() : ex.GetType().Name, wait.TotalSeconds);
            }

            try
            {
                await self.Closed(feed);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Only the view is late; the feed is opened again below either way.
                LogFeedEnded(logger, feed, emsp.ToString(), ex.GetType().Name, wait.TotalSeconds);
            }

            try
            {
                await Task.Delay(wait, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            wait = wait * 2 > MaxWait ? MaxWait : wait * 2;
        }
    }

    private async Task StatusAsync(CallerIdentity caller, string locationsUrl, IOcpiOutboxGrain outbox, IOcpiPushGrain self, Cursor cursor, CancellationToken stop)
    {
        using var subscription = await statuses.OpenAsync(caller, new StatusSubscriptionRequest { ResumeCursor = cursor.Value });
        if (cursor.Value is null)
        {
            await cursor.SaveAsync(self, subscription.Cursor, stop);
        }

        await self.Opened(StatusFeed);

        var savedAt = DateTimeOffset.UtcNow;
        await foreach (var message in subscription.ReadAsync(stop))
        {
            switch (message)
            {
                case StatusChanges changes:
                    var deliveries = new List<OcpiDelivery>(changes.Changes.Count);
                    foreach (var change in changes.Changes)
                    {
                        if (PartyKey.TryParse(change.Cpo, out var cpo))
                        {
                            deliveries.Add(OcpiPushMessages.EvseStatus(locationsUrl, cpo.Value, change.Sequence, change.Event));
                        }
                    }

                    await outbox.EnqueueMany(deliveries);
                    break;
                case StatusResync resync:
                    // The changes between are gone from the feed's retention; the platform re-syncs by GET (docs/ocpi.md).
                    LogResync(logger, caller.Party.ToString(), string.Join(", ", resync.Cpos));
                    break;
            }

            if (DateTimeOffset.UtcNow - savedAt >= StatusCursorInterval)
            {
                await cursor.SaveAsync(self, message.Cursor, stop);
                savedAt = DateTimeOffset.UtcNow;
            }
            else
            {
                cursor.Value = message.Cursor;
            }
        }
    }

    private async Task SessionsAsync(CallerIdentity caller, string sessionsUrl, IOcpiOutboxGrain outbox, IOcpiPushGrain self, Cursor cursor, CancellationToken stop) =>
        await sessions.SubscribeAsync(caller, cursor.Value, fromStart: false, new SessionSink(sessionsUrl, outbox, self, cursor), stop);

    private async Task CdrsAsync(CallerIdentity caller, string cdrsUrl, IOcpiOutboxGrain outbox, IOcpiPushGrain self, Cursor cursor, CancellationToken stop)
    {
        await foreach (var message in cdrs.SubscribeAsync(caller, cursor.Value ?? "", fromBeginning: false, stop))
        {
            if (message.Events.Count > 0)
            {
                await outbox.EnqueueMany([.. message.Events.Select(e => OcpiPushMessages.PostCdr(cdrsUrl, e.Cdr))]);
            }

            await cursor.SaveAsync(self, message.Cursor, stop);
            if (message.Events.Count == 0)
            {
                await self.Opened(CdrsFeed);
            }
        }
    }

    // hubclientinfo has no feed in the core: the list GET hubclientinfo answers is compared every few seconds with what
    // the platform was last told (the stored cursor: key=status pairs), and each counterpart whose status changed is
    // PUT. The first run only records the list (the platform reads it with GET); nothing while the party is suspended.
    private async Task ClientInfoAsync(PartyKey party, string clientInfoUrl, IOcpiOutboxGrain outbox, IOcpiPushGrain self, Cursor cursor, CancellationToken stop)
    {
        var opened = false;
        while (true)
        {
            if (AccessPolicy.IsActive(await policy.ViewAsync(), party))
            {
                var infos = await HubClientInfo.OcpiHubClientInfoModule.ListAsync(party, policy, directory, grains);
                var told = OcpiPushMessages.ParseClientInfo(cursor.Value);
                var now = OcpiPushMessages.ClientInfoCursor(infos);
                if (cursor.Value is not null)
                {
                    var changed = infos.Where(i => told.GetValueOrDefault(HubClientInfo.OcpiHubClientInfoModule.Key(i)) != i.Status).ToList();
                    if (changed.Count > 0)
                    {
                        await outbox.EnqueueMany([.. changed.Select(i => OcpiPushMessages.ClientInfo(clientInfoUrl, i))]);
                    }
                }

                if (now != cursor.Value)
                {
                    await cursor.SaveAsync(self, now, stop);
                }

                if (!opened)
                {
                    // Open once what the platform was told is recorded: a change from now on is pushed.
                    await self.Opened(ClientInfoFeed);
                    opened = true;
                }
            }

            await Task.Delay(ClientInfoInterval, stop);
        }
    }

    [LoggerMessage(EventId = 9540, Level = LogLevel.Information, Message = "OCPI push feed {Feed} of {Emsp} ended ({Reason}); opened again in {WaitSeconds} s")]
    private static partial void LogFeedEnded(ILogger logger, string feed, string emsp, string reason, double waitSeconds);

    [LoggerMessage(EventId = 9541, Level = LogLevel.Warning, Message = "OCPI push of status to {Emsp}: changes of {Cpos} were lost to the feed's retention; the platform must re-sync them by GET")]
    private static partial void LogResync(ILogger logger, string? emsp, string cpos);

    // A feed's position: the latest value taken (for a reopen) and, through the push grain, the stored one.
    private sealed class Cursor(string feed, string? value)
    {
        public string? Value { get; set; } = value;

        public async Task SaveAsync(IOcpiPushGrain self, string value, CancellationToken stop)
        {
            Value = value;
            // A loop that was stopped (the grain re-aimed or went away) stores nothing more.
            stop.ThrowIfCancellationRequested();
            await self.SaveCursor(feed, value);
        }
    }

    // The sessions feed writes here: each change goes to the outbox, then its cursor is stored.
    private sealed class SessionSink(string sessionsUrl, IOcpiOutboxGrain outbox, IOcpiPushGrain self, Cursor cursor) : ILiveSink<SessionChange>
    {
        public Task ReadyAsync() => self.Opened(SessionsFeed);

        public async Task WriteAsync(SessionChange item, CancellationToken cancellationToken)
        {
            await outbox.Enqueue(OcpiPushMessages.WholeSession(sessionsUrl, item.Session.Session, item.Cursor));
            await cursor.SaveAsync(self, item.Cursor, cancellationToken);
        }
    }
}
