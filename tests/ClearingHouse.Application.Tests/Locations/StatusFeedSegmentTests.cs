using ClearingHouse.Domain.Locations;
using ClearingHouse.Grains.Locations;

namespace ClearingHouse.Application.Tests.Locations;

/// <summary>
/// A status feed segment as written to the durable store: compacted to the newest event of each EVSE, and expanded
/// back to the same sequences on load, each event carrying its EVSE's newest status of the segment.
/// </summary>
public sealed class StatusFeedSegmentTests
{
    private const string Loc = "LOC1";
    private const string EvseA = "A";
    private const string EvseB = "B";

    [Fact]
    public void Compact_RepeatedEvses_KeepsTheNewestOncePerEvseAndEverySequence()
    {
        // Names as the feed holds them: one instance per name.
        var batches = new[]
        {
            Batch(1, Event(EvseA, EvseStatus.Available, 1), Event(EvseB, EvseStatus.Charging, 2), Event(EvseA, EvseStatus.Charging, 3)),
            Batch(4, Event(EvseB, EvseStatus.Available, 4), Event(EvseA, EvseStatus.Blocked, 5)),
        };

        var segment = StatusFeedSegment.Compact(7, batches);
        var expanded = segment.Expand("NL*CPO").ToList();

        Assert.Equal(7, segment.Number);
        Assert.Equal(2, segment.Latest.Length);
        Assert.Equal([1L, 4L], expanded.Select(b => b.FirstSequence));
        Assert.Equal([3, 2], expanded.Select(b => b.Events.Length));
        Assert.All(expanded, b => Assert.Equal("NL*CPO", b.Cpo));
        Assert.All(expanded, b => Assert.Equal("epoch", b.Epoch));
        var a = expanded.SelectMany(b => b.Events).Where(e => e.EvseUid == EvseA).ToList();
        var b2 = expanded.SelectMany(b => b.Events).Where(e => e.EvseUid == EvseB).ToList();
        Assert.Equal(3, a.Count);
        Assert.All(a, e => Assert.Equal((EvseStatus.Blocked, 5L), (e.Status, e.LastUpdatedTicks)));
        Assert.Equal(2, b2.Count);
        Assert.All(b2, e => Assert.Equal((EvseStatus.Available, 4L), (e.Status, e.LastUpdatedTicks)));
    }

    [Fact]
    public void Expand_UncompactedSegment_ReturnsItsBatchesAsWritten()
    {
        var batch = Batch(1, Event(EvseA, EvseStatus.Available, 1), Event(EvseA, EvseStatus.Charging, 2));
        var segment = new StatusFeedSegment { Number = 1, Batches = [batch] };

        Assert.Equal([batch], segment.Expand("NL*CPO"));
    }

    private static FeedBatch Batch(long first, params FeedEvent[] events) =>
        new() { Cpo = "NL*CPO", Epoch = "epoch", FirstSequence = first, Events = events, PublishedTicks = first };

    private static FeedEvent Event(string evse, EvseStatus status, long ticks) =>
        new() { LocationId = Loc, EvseUid = evse, Status = status, LastUpdatedTicks = ticks, ReceivedTicks = ticks };
}
