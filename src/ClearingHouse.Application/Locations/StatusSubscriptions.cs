using ClearingHouse.Application.Access;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Grains.Options;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Application.Locations;

/// <summary>What a status subscription asks for.</summary>
public sealed record StatusSubscriptionRequest
{
    /// <summary>
    /// The CPOs to follow (each must be one the caller may read). Empty: every CPO the caller may read now and, while
    /// the subscription is open, those it may read later (a new agreement; for the operator, a new CPO).
    /// </summary>
    public IReadOnlyList<PartyKey> Cpos { get; init; } = [];

    /// <summary>Only CPOs of these country codes; empty means any.</summary>
    public IReadOnlySet<string> CountryCodes { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Only these location ids; null means any.</summary>
    public IReadOnlySet<string>? LocationIds { get; init; }

    /// <summary>A cursor this hub returned: what was missed since is replayed, or a resync is signalled. Null: from now.</summary>
    public string? ResumeCursor { get; init; }
}

/// <summary>One change in a subscription's events.</summary>
/// <param name="Cpo">The CPO (text form).</param>
/// <param name="Sequence">Its sequence in the CPO's feed.</param>
/// <param name="Event">The change.</param>
public readonly record struct StatusChange(string Cpo, long Sequence, FeedEvent Event);

/// <summary>What a subscription hands its edge to write, in order.</summary>
/// <param name="Cursor">The cursor after this message: resuming with it continues right after.</param>
public abstract record StatusSubscriptionMessage(string Cursor);

/// <summary>Status changes, in feed order per CPO.</summary>
/// <param name="Changes">The changes (valid until the next message is read).</param>
/// <param name="Cursor">The cursor after them.</param>
public sealed record StatusChanges(IReadOnlyList<StatusChange> Changes, string Cursor) : StatusSubscriptionMessage(Cursor);

/// <summary>Changes of these CPOs were lost to the subscriber (retention passed, or the feed restarted): resync them from a snapshot.</summary>
/// <param name="Cpos">The CPOs (text form).</param>
/// <param name="Cursor">The cursor from which the subscription continues.</param>
public sealed record StatusResync(IReadOnlyList<string> Cpos, string Cursor) : StatusSubscriptionMessage(Cursor);

/// <summary>
/// Status subscriptions for every edge: who may follow which CPOs (the operator every CPO, an EMSP those it has an
/// active agreement with, re-checked on every batch), resume from a cursor within the feeds' retention or a resync
/// signal, and a bounded queue per subscriber (a slow one is cut with ResourceExhausted and resumes from its cursor).
/// </summary>
public sealed class StatusSubscriptions(
    IGrainFactory grains,
    AccessPolicy access,
    LocationsCore locations,
    StatusSubscriptionHub hub,
    LiveAccess live,
    LocationMetrics metrics,
    IOptions<LocationsOptions> options)
{
    /// <summary>Opens a subscription; dispose it when the call ends.</summary>
    public async Task<StatusSubscription> OpenAsync(CallerIdentity caller, StatusSubscriptionRequest request)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        var emsp = caller.IsOperator ? (PartyKey?)null : caller.RequireParty(PartyRole.Emsp);
        var resume = request.ResumeCursor is { Length: > 0 } text ? StatusCursor.Decode(text) : [];
        HashSet<string> cpos;
        var follows = request.Cpos.Count == 0;
        if (!follows)
        {
            cpos = new HashSet<string>(StringComparer.Ordinal);
            foreach (var cpo in request.Cpos)
            {
                await locations.RequireMayReadAsync(caller, cpo);
                cpos.Add(cpo.ToString());
            }
        }
        else
        {
            var view = await access.ViewAsync();
            cpos = [.. await locations.VisibleCposAsync(caller)
                ?? view.Snapshot.Parties.Where(p => p.Key.Role == PartyRole.Cpo).Select(p => p.Key.ToString())];
        }

        var countries = request.CountryCodes;
        if (countries.Count > 0)
        {
            cpos.RemoveWhere(c => !countries.Contains(c[..2]));
        }

        // Without named CPOs the subscription follows the directory: a CPO whose agreement starts
        // later is taken on while the call is open (StatusSubscriptionHub re-checks).
        var subscriber = new StatusSubscriber(emsp, cpos, request.LocationIds, options.Value.SubscriberQueueEvents, follows ? countries : null);
        var subscription = new StatusSubscription(grains, access, hub, metrics, options.Value.SubscriberQueueEvents, subscriber, live, caller);
        metrics.SubscriberOpened();
        try
        {
            await subscription.StartAsync(resume);
            return subscription;
        }
        catch
        {
            subscription.Dispose();
            throw;
        }
    }
}
