using ClearingHouse.Application.Diagnostics;
using System.Collections.Frozen;
using System.Diagnostics.Metrics;
using ClearingHouse.Domain.Tokens;

namespace ClearingHouse.Application.Tokens;

/// <summary>Instruments of tokens and real-time authorization, on the one <c>ClearingHouse</c> meter.</summary>
public sealed class TokenMetrics
{
    private readonly Counter<long> _authorizations;
    private readonly Counter<long> _cacheReads;
    private readonly Counter<long> _unknownAnswers;
    private readonly Counter<long> _channelsCut;
    private readonly Counter<long> _conflicts;
    private readonly UpDownCounter<long> _openChannels;

    /// <summary>Creates the instruments.</summary>
    public TokenMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(HubMetrics.MeterName);
        _authorizations = meter.CreateCounter<long>(InstrumentNames.TokenAuthorizations, unit: "{decision}", description: "Authorization decisions");
        _unknownAnswers = meter.CreateCounter<long>(InstrumentNames.TokenUnknownAnswers, unit: "{answer}", description: "EMSP answers for unknown or expired requests, ignored");
        _channelsCut = meter.CreateCounter<long>(InstrumentNames.TokenChannelsCut, unit: "{channel}", description: "Authorization channels ended by the hub");
        _conflicts = meter.CreateCounter<long>(InstrumentNames.TokenConflicts, unit: "{token}", description: "Tokens not applied because another EMSP owns them");
        _cacheReads = meter.CreateCounter<long>(InstrumentNames.TokenCacheReads, unit: "{read}", description: "Token cache reads by result (hit, miss, bypass)");
        _openChannels = meter.CreateUpDownCounter<long>(InstrumentNames.TokenOpenChannels, unit: "{channel}", description: "Open EMSP authorization channels on this silo");
    }

    /// <summary>Counts a decision.</summary>
    public void Decided(AuthorizationDecision decision) => _authorizations.Add(
        1,
        new KeyValuePair<string, object?>("allowed", NameOf(decision.Allowed)),
        new KeyValuePair<string, object?>("source", NameOf(decision.Source)));

    // The tag values as Enum.ToString() gives them, looked up rather than formatted (ToString boxes the enum per call).
    private static readonly FrozenDictionary<AllowedType, string> AllowedNames = Enum.GetValues<AllowedType>().ToFrozenDictionary(v => v, v => v.ToString());
    private static readonly FrozenDictionary<DecisionSource, string> SourceNames = Enum.GetValues<DecisionSource>().ToFrozenDictionary(v => v, v => v.ToString());

    private static string NameOf(AllowedType value) => AllowedNames.TryGetValue(value, out var name) ? name : value.ToString();

    private static string NameOf(DecisionSource value) => SourceNames.TryGetValue(value, out var name) ? name : value.ToString();

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

    /// <summary>Counts a token cache read; hits are also counted exactly (tests read this).</summary>
    public void CacheRead(string result)
    {
        if (result == "hit")
        {
            Interlocked.Increment(ref _cacheHitTotal);
        }

        _cacheReads.Add(1, new KeyValuePair<string, object?>("result", result));
    }

    /// <summary>Token cache hits since start, on this silo.</summary>
    public long CacheHitTotal => Interlocked.Read(ref _cacheHitTotal);

    /// <summary>A channel opened (+1) or closed (-1).</summary>
    public void ChannelOpened(int delta) => _openChannels.Add(delta);

    private long _unknownAnswerTotal;
    private long _cacheHitTotal;
}
