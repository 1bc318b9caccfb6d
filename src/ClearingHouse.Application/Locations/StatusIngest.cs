using ClearingHouse.Application.Access;
using ClearingHouse.Domain.Locations;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Grains.Options;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Application.Locations;

/// <summary>
/// The messages of one CPO status stream as an edge reads them. The ingest asks for the next message and, when it
/// takes it, has it added to a <see cref="StatusWork"/>; it never sees the edge's wire form.
/// </summary>
public interface IStatusMessageSource
{
    /// <summary>
    /// Moves to the next message: false at the end of the stream. Throws <see cref="InvalidDataException"/> when a
    /// message cannot be parsed, <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires.
    /// </summary>
    Task<bool> MoveNext(CancellationToken cancellationToken);

    /// <summary>How many updates the current message holds.</summary>
    int CurrentCount { get; }

    /// <summary>Adds the current message's updates, in order, with <see cref="StatusWork.Add"/>.</summary>
    void AddCurrent(StatusWork work);
}

/// <summary>Why a streamed status update was rejected.</summary>
public enum StatusRejectReason
{
    /// <summary>A field is malformed (id, status, timestamp).</summary>
    Invalid = 1,

    /// <summary>The hub does not know the location.</summary>
    UnknownLocation = 2,

    /// <summary>The location has no EVSE of that uid.</summary>
    UnknownEvse = 3,
}

/// <summary>One rejected update, where it was in the stream and why.</summary>
/// <param name="MessageIndex">The message's position in the stream (0-based).</param>
/// <param name="UpdateIndex">The update's position in its message (0-based).</param>
/// <param name="LocationId">The location id it named.</param>
/// <param name="EvseUid">The EVSE uid it named.</param>
/// <param name="Reason">Why.</param>
/// <param name="Detail">What was wrong, for the CPO.</param>
public sealed record StatusRejection(long MessageIndex, int UpdateIndex, string LocationId, string EvseUid, StatusRejectReason Reason, string Detail);

/// <summary>What a status stream came to.</summary>
public sealed class StatusIngestSummary
{
    /// <summary>At most this many rejections are reported.</summary>
    public const int MaxRejectionsReported = 100;

    private readonly List<StatusRejection> _rejections = [];

    /// <summary>Messages received.</summary>
    public long Messages { get; internal set; }

    /// <summary>Updates applied (newer than what the hub held).</summary>
    public long Accepted { get; internal set; }

    /// <summary>Updates ignored: the hub held a newer or equally new status.</summary>
    public long Stale { get; internal set; }

    /// <summary>Updates rejected.</summary>
    public long Rejected { get; internal set; }

    /// <summary>The first <see cref="MaxRejectionsReported"/> rejections.</summary>
    public IReadOnlyList<StatusRejection> Rejections => _rejections;

    internal void Reject(StatusWork work, int i, StatusRejectReason reason, string detail)
    {
        if (_rejections.Count < MaxRejectionsReported)
        {
            var (messageIndex, updateIndex) = work.Position(i);
            _rejections.Add(new StatusRejection(messageIndex, updateIndex, work.LocationId(i), work.EvseUid(i), reason, detail));
        }
    }
}

/// <summary>
/// Batched status ingest from a CPO's stream: the messages a client has already sent are coalesced, validated, grouped
/// by location and applied with one grain call per location (each grain applies newer-only and publishes what it
/// accepted). A stream idle for <see cref="LocationsOptions.StreamIdleTimeout"/> is cut with DeadlineExceeded; an
/// oversized message, an unparsable one, or more than <see cref="LocationsOptions.MaxRejectedMessages"/> messages of
/// only rejected updates cut it with InvalidArgument (updates of earlier messages stay applied).
/// </summary>
public sealed partial class StatusIngest(
    IGrainFactory grains,
    StatusPublisher publisher,
    LocationMetrics metrics,
    HubClock clock,
    IOptions<LocationsOptions> options,
    ILogger<StatusIngest> logger)
{
    /// <summary>Reads <paramref name="source"/> to its end, applying what it carries; returns the tally.</summary>
    public async Task<StatusIngestSummary> IngestAsync(CallerIdentity caller, IStatusMessageSource source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(source);
        var cpo = caller.RequireParty(PartyRole.Cpo);
        var o = options.Value;
        var summary = new StatusIngestSummary();
        var work = new StatusWork();
        var rejectedMessages = 0;
        Task<bool>? nextMove = null;
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        while (true)
        {
            idle.CancelAfter(o.StreamIdleTimeout);
            bool more;
            try
            {
                more = await (nextMove ?? source.MoveNext(idle.Token));
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                LogStreamCut(logger, cpo.ToString(), "idle");
                throw new HubException(HubErrorCode.DeadlineExceeded,
                    $"no status message for {o.StreamIdleTimeout.TotalSeconds:0} s: stream cut after {summary.Messages} messages ({summary.Accepted} accepted)");
            }
            catch (InvalidDataException)
            {
                throw Garbage(cpo, summary, "a message could not be parsed");
            }

            nextMove = null;
            if (!more)
            {
                break;
            }

            // Coalesce: the messages this client has already sent and the hub has buffered are applied together
            // (one grain call per location for all of them). Nothing is waited for, so a quiet stream is applied
            // message by message, and a busy one of single updates gets the batched cost.
            work.Clear();
            string? tooLarge = null;
            while (true)
            {
                var index = summary.Messages++;
                if (source.CurrentCount > o.MaxUpdatesPerMessage)
                {
                    tooLarge = $"message {index} has {source.CurrentCount} updates; at most {o.MaxUpdatesPerMessage} per message";
                    break;
                }

                work.BeginMessage(index);
                source.AddCurrent(work);
                if (work.Count >= o.MaxUpdatesPerMessage)
                {
                    break;
                }

                var move = source.MoveNext(idle.Token);
                if (!move.IsCompletedSuccessfully || !move.Result)
                {
                    nextMove = move; // still pending, the end of the stream, or an error: handled after this batch
                    break;
                }
            }

            if (work.MessageCount > 0)
            {
                await ApplyAsync(cpo, work, summary);
                foreach (var (updates, rejected) in work.Tallies)
                {
                    if (rejected > 0 && rejected == updates && ++rejectedMessages > o.MaxRejectedMessages)
                    {
                        throw Garbage(cpo, summary, $"more than {o.MaxRejectedMessages} messages had only rejected updates");
                    }
                }
            }

            if (tooLarge is not null)
            {
                throw Garbage(cpo, summary, tooLarge);
            }
        }

        return summary;
    }

    private async Task ApplyAsync(PartyKey cpo, StatusWork work, StatusIngestSummary summary)
    {
        var o = options.Value;
        var now = clock.UtcNow;
        var count = work.Count;
        var outcomes = new StatusOutcome[count];
        var groups = work.Groups;
        for (var i = 0; i < count; i++)
        {
            var error = LocationRules.ValidateUpdate(new StatusUpdate(work.LocationId(i), work.EvseUid(i), work.Status(i), work.Ticks(i)), now, o.MaxClockSkew);
            if (error is not null)
            {
                outcomes[i] = StatusOutcome.Invalid;
                summary.Reject(work, i, StatusRejectReason.Invalid, error);
                continue;
            }

            if (!groups.TryGetValue(work.LocationId(i), out var list))
            {
                list = [];
                groups[work.LocationId(i)] = list;
            }

            list.Add(i);
        }

        // One grain call per location for everything coalesced, each location's updates in the order sent.
        var calls = new Task<StatusBatchResult>[groups.Count];
        var indices = new List<int>[groups.Count];
        var g = 0;
        foreach (var (locationId, list) in groups)
        {
            var uids = new string[list.Count];
            var statuses = new EvseStatus[list.Count];
            var ticks = new long[list.Count];
            for (var j = 0; j < list.Count; j++)
            {
                uids[j] = work.EvseUid(list[j]);
                statuses[j] = work.Status(list[j]);
                ticks[j] = work.Ticks(list[j]);
            }

            indices[g] = list;
            calls[g++] = grains.GetGrain<ILocationGrain>(ILocationGrain.KeyOf(cpo, locationId))
                .ApplyStatuses(new StatusBatch { EvseUids = uids, Statuses = statuses, LastUpdatedTicks = ticks });
        }

        var results = await Task.WhenAll(calls);
        // The grains queued what they accepted; it goes to the feed now, in one call, not one per location.
        publisher.FlushNow(cpo.ToString());
        for (var k = 0; k < results.Length; k++)
        {
            for (var j = 0; j < indices[k].Count; j++)
            {
                outcomes[indices[k][j]] = results[k].Outcomes[j];
            }
        }

        int accepted = 0, stale = 0, rejected = 0;
        for (var i = 0; i < outcomes.Length; i++)
        {
            switch (outcomes[i])
            {
                case StatusOutcome.Accepted:
                    accepted++;
                    continue;
                case StatusOutcome.Stale:
                    stale++;
                    continue;
                case StatusOutcome.UnknownLocation:
                    summary.Reject(work, i, StatusRejectReason.UnknownLocation, $"location {work.LocationId(i)} is not known");
                    break;
                case StatusOutcome.UnknownEvse:
                    summary.Reject(work, i, StatusRejectReason.UnknownEvse, $"location {work.LocationId(i)} has no EVSE {work.EvseUid(i)}");
                    break;
                default:
                    break; // invalid: reported when validated
            }

            rejected++;
            work.CountRejected(i);
        }

        metrics.Updates(accepted, stale, rejected);
        summary.Accepted += accepted;
        summary.Stale += stale;
        summary.Rejected += rejected;
    }

    private HubException Garbage(PartyKey cpo, StatusIngestSummary summary, string why)
    {
        LogStreamCut(logger, cpo.ToString(), why);
        return new HubException(HubErrorCode.InvalidArgument,
            $"{why}: stream cut after {summary.Messages} messages ({summary.Accepted} accepted, {summary.Stale} stale, {summary.Rejected} rejected); updates of earlier messages stay applied");
    }

    [LoggerMessage(EventId = 3301, Level = LogLevel.Warning, Message = "Status stream of {Cpo} cut: {Reason}")]
    private static partial void LogStreamCut(ILogger logger, string cpo, string reason);
}
