using System.Diagnostics;
using System.Diagnostics.Metrics;
using ClearingHouse.Application.Diagnostics;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains.Diagnostics;

namespace ClearingHouse.Application.Tokens;

/// <summary>Instruments of tokens and real-time authorization, on the one <c>ClearingHouse</c> meter.</summary>
public sealed class TokenMetrics
{
    // Tags built once (label values are the proto enums' names, as the CLI prints them): recording allocates nothing.
    private static readonly KeyValuePair<string, object?>[] AllowedTags = MetricLabels.TagsOf<AllowedType>("allowed");
    private static readonly KeyValuePair<string, object?>[] SourceTags = MetricLabels.TagsOf<DecisionSource>("source");
    private static readonly KeyValuePair<string, object?>[] OutcomeTags = MetricLabels.TagsOf<MspOutcomeKind>("outcome");
    private static readonly string[] CacheResults = ["hit", "miss", "bypass"];
    private static readonly KeyValuePair<string, object?>[] CacheTags = CacheResults.Select(r => new KeyValuePair<string, object?>("result", r)).ToArray();
    private static readonly string[] CutReasons = ["malformed", "flood"];

    // Decisions counted per (source, allowed) in plain fields and reported when the meter is collected (an observable
    // counter): one interlocked increment per decision instead of a second aggregator update (tag lookup and lock) on the
    // Authorize hot path. The duration histogram keeps its own per-call update.
    private static readonly int AllowedCount = AllowedTags.Length;
    private readonly long[] _decisions = new long[SourceTags.Length * AllowedTags.Length];
    private readonly Histogram<double> _decisionSeconds;
    private readonly Histogram<double> _mspAnswerSeconds;
    private readonly Counter<long> _cacheReads;
    private readonly Counter<long> _unknownAnswers;
    private readonly Counter<long> _channelsCut;
    private readonly Counter<long> _conflicts;
    private readonly UpDownCounter<long> _openChannels;
    private readonly QueueMetrics _queues;

    /// <summary>Creates the instruments; every fixed tag combination starts at 0.</summary>
    public TokenMetrics(IMeterFactory meterFactory, QueueMetrics queues)
    {
        ArgumentNullException.ThrowIfNull(queues);
        _queues = queues;
        var meter = meterFactory.Create(HubMetrics.MeterName);
        meter.CreateObservableCounter(InstrumentNames.TokenAuthorizations, ObserveDecisions, unit: "{decision}", description: "Authorization decisions");
        _decisionSeconds = meter.CreateHistogram(InstrumentNames.TokenAuthorizationDuration, unit: "s", description: "Time to decide and record one authorization, by source", advice: HubMetrics.LatencyBuckets);
        _mspAnswerSeconds = meter.CreateHistogram(InstrumentNames.TokenMspAnswerDuration, unit: "s", description: "Time the hub waited for an EMSP's real-time answer, by outcome", advice: HubMetrics.LatencyBuckets);
        _unknownAnswers = meter.CreateCounter<long>(InstrumentNames.TokenUnknownAnswers, unit: "{answer}", description: "EMSP answers for unknown or expired requests, ignored");
        _channelsCut = meter.CreateCounter<long>(InstrumentNames.TokenChannelsCut, unit: "{channel}", description: "Authorization channels ended by the hub");
        _conflicts = meter.CreateCounter<long>(InstrumentNames.TokenConflicts, unit: "{token}", description: "Tokens not applied because another EMSP owns them");
        _cacheReads = meter.CreateCounter<long>(InstrumentNames.TokenCacheReads, unit: "{read}", description: "Token cache reads by result (hit, miss, bypass)");
        _openChannels = meter.CreateUpDownCounter<long>(InstrumentNames.TokenOpenChannels, unit: "{channel}", description: "Open EMSP authorization channels on this silo");

        foreach (var tag in CacheTags)
        {
            _cacheReads.Add(0, tag);
        }

        foreach (var reason in CutReasons)
        {
            _channelsCut.Add(0, new KeyValuePair<string, object?>("reason", reason));
        }

        _conflicts.Add(0);
        _openChannels.Add(0);
    }

    /// <summary>Counts a decision and records how long it took since <paramref name="startedTimestamp"/> (<see cref="Stopwatch.GetTimestamp()"/>).</summary>
    public void Decided(AuthorizationDecision decision, long startedTimestamp)
    {
        var allowed = MetricLabels.Pick(AllowedTags, (int)decision.Allowed, "allowed");
        var source = MetricLabels.Pick(SourceTags, (int)decision.Source, "source");
        if ((uint)decision.Allowed < (uint)AllowedCount && (uint)decision.Source < (uint)SourceTags.Length)
        {
            Interlocked.Increment(ref _decisions[((int)decision.Source * AllowedCount) + (int)decision.Allowed]);
        }

        _decisionSeconds.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds, allowed, source);
    }

    /// <summary>Records how long an EMSP was waited for since <paramref name="startedTimestamp"/>, by what came of it.</summary>
    public void MspAnswered(MspOutcomeKind outcome, long startedTimestamp) =>
        _mspAnswerSeconds.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds, MetricLabels.Pick(OutcomeTags, (int)outcome, "outcome"));

    /// <summary>Counts an ignored answer. Unknown answers are counted exactly (tests read this).</summary>
    public void UnknownAnswer(string emsp)
    {
        Interlocked.Increment(ref _unknownAnswerTotal);
        _unknownAnswers.Add(1, new KeyValuePair<string, object?>("emsp", emsp));
    }

    /// <summary>Ignored answers since start, on this silo.</summary>
    public long UnknownAnswerTotal => Interlocked.Read(ref _unknownAnswerTotal);

    /// <summary>Counts a channel the hub ended.</summary>
    public void ChannelCut(string reason) => _channelsCut.Add(1, new KeyValuePair<string, object?>("reason", reason));

    /// <summary>Counts conflicting tokens.</summary>
    public void Conflicted(long count) => _conflicts.Add(count);

    /// <summary>Counts a token cache read (hit, miss, bypass); hits are also counted exactly (tests read this).</summary>
    public void CacheRead(string result)
    {
        var index = Array.IndexOf(CacheResults, result);
        if (index == 0)
        {
            Interlocked.Increment(ref _cacheHitTotal);
        }

        _cacheReads.Add(1, index >= 0 ? CacheTags[index] : new KeyValuePair<string, object?>("result", result));
    }

    /// <summary>Token cache hits since start, on this silo.</summary>
    public long CacheHitTotal => Interlocked.Read(ref _cacheHitTotal);

    /// <summary>Counts a request an EMSP channel's full outbox refused.</summary>
    public void OutboxFull() => _queues.Dropped(HubQueue.MspChannelOutbox);

    /// <summary>A channel opened (+1) or closed (-1).</summary>
    public void ChannelOpened(int delta) => _openChannels.Add(delta);

    // Every defined (allowed, source) pair, 0 until its first decision; the gaps of the enums' numbering are not series.
    private IEnumerable<Measurement<long>> ObserveDecisions()
    {
        foreach (var source in Enum.GetValues<DecisionSource>())
        {
            foreach (var allowed in Enum.GetValues<AllowedType>())
            {
                var count = Volatile.Read(ref _decisions[((int)source * AllowedCount) + (int)allowed]);
                yield return new Measurement<long>(count, AllowedTags[(int)allowed], SourceTags[(int)source]);
            }
        }
    }

    private long _unknownAnswerTotal;
    private long _cacheHitTotal;
}
