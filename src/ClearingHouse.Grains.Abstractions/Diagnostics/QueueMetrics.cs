using System.Diagnostics.Metrics;

namespace ClearingHouse.Grains.Diagnostics;

/// <summary>The hub's bounded queues, as the <c>queue</c> label of the saturation instruments names them.</summary>
public enum HubQueue
{
    /// <summary>A status subscriber's queue of events not yet written to its stream (<c>status_subscriber</c>).</summary>
    StatusSubscriber,

    /// <summary>A CDR subscriber's queue of CDR batches not yet written to its stream (<c>cdr_subscriber</c>).</summary>
    CdrSubscriber,

    /// <summary>An EMSP authorization channel's outbox of requests not yet written (<c>msp_channel_outbox</c>).</summary>
    MspChannelOutbox,

    /// <summary>A CPO command channel's outbox of commands not yet written (<c>command_channel_outbox</c>).</summary>
    CommandChannelOutbox,

    /// <summary>EVSE statuses accepted but not yet written to the store (<c>status_write_behind</c>).</summary>
    StatusWriteBehind,

    /// <summary>Authorization decisions waiting for the journal's group commit (<c>authorization_journal</c>).</summary>
    AuthorizationJournal,

    /// <summary>CDR batches waiting for the CDR store's group commit (<c>cdr_group_commit</c>).</summary>
    CdrGroupCommit,
}

/// <summary>
/// Saturation of every bounded queue of the hub on the one <c>ClearingHouse</c> meter: depth (an observable gauge summed
/// over each queue kind's instances, read at scrape time so enqueueing pays nothing), items dropped because a queue was
/// full, and the size of each group-commit batch. It lives below the core so grains and store adapters report through it
/// too; <c>ClearingHouse.Application.Diagnostics.InstrumentNames</c> lists these names with the others.
/// </summary>
public sealed class QueueMetrics
{
    /// <summary>Instrument name of the depth gauge, tagged <c>queue</c>.</summary>
    public const string DepthName = "clearinghouse.queue.depth";

    /// <summary>Instrument name of the drop counter, tagged <c>queue</c>.</summary>
    public const string DropsName = "clearinghouse.queue.drops";

    /// <summary>Instrument name of the batch-size histogram, tagged <c>queue</c>.</summary>
    public const string BatchSizeName = "clearinghouse.queue.batch_size";

    private static readonly HubQueue[] Kinds = Enum.GetValues<HubQueue>();

    // One cached tag per queue (index = enum value): recording allocates nothing.
    private static readonly KeyValuePair<string, object?>[] Tags = Kinds.Select(k => new KeyValuePair<string, object?>("queue", LabelOf(k))).ToArray();

    private readonly List<Func<long>>[] _sources = Kinds.Select(_ => new List<Func<long>>()).ToArray();
    private readonly Counter<long> _drops;
    private readonly Histogram<long> _batches;

    /// <summary>Creates the instruments; every queue's series exists (at 0) from the start.</summary>
    public QueueMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create("ClearingHouse");
        meter.CreateObservableGauge(DepthName, ObserveDepths, unit: "{item}", description: "Items waiting in the hub's bounded queues, by queue");
        _drops = meter.CreateCounter<long>(DropsName, unit: "{item}", description: "Items refused or dropped because a bounded queue was full, by queue");
        _batches = meter.CreateHistogram<long>(
            BatchSizeName,
            unit: "{item}",
            description: "Items written by one group commit or flush, by queue",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000] });
        foreach (var tag in Tags)
        {
            _drops.Add(0, tag);
        }
    }

    /// <summary>The <c>queue</c> label value of <paramref name="queue"/> (lower snake case).</summary>
    public static string LabelOf(HubQueue queue) => queue switch
    {
        HubQueue.StatusSubscriber => "status_subscriber",
        HubQueue.CdrSubscriber => "cdr_subscriber",
        HubQueue.MspChannelOutbox => "msp_channel_outbox",
        HubQueue.CommandChannelOutbox => "command_channel_outbox",
        HubQueue.StatusWriteBehind => "status_write_behind",
        HubQueue.AuthorizationJournal => "authorization_journal",
        HubQueue.CdrGroupCommit => "cdr_group_commit",
        _ => throw new ArgumentOutOfRangeException(nameof(queue)),
    };

    /// <summary>Adds a source of <paramref name="queue"/>'s depth (one per owner of such queues; the gauge sums them).</summary>
    public void TrackDepth(HubQueue queue, Func<long> depth)
    {
        ArgumentNullException.ThrowIfNull(depth);
        var sources = _sources[(int)queue];
        lock (sources)
        {
            sources.Add(depth);
        }
    }

    /// <summary>Counts <paramref name="count"/> items a full queue refused or dropped.</summary>
    public void Dropped(HubQueue queue, long count = 1) => _drops.Add(count, Tags[(int)queue]);

    /// <summary>Records the size of one batch written together.</summary>
    public void Batch(HubQueue queue, long size) => _batches.Record(size, Tags[(int)queue]);

    private IEnumerable<Measurement<long>> ObserveDepths()
    {
        var measurements = new Measurement<long>[Kinds.Length];
        for (var i = 0; i < Kinds.Length; i++)
        {
            long total = 0;
            var sources = _sources[i];
            lock (sources)
            {
                foreach (var source in sources)
                {
                    total += source();
                }
            }

            measurements[i] = new Measurement<long>(total, Tags[i]);
        }

        return measurements;
    }
}
