using BenchmarkDotNet.Attributes;
using ClearingHouse.Domain.Locations;

namespace ClearingHouse.Benchmarks.Locations;

/// <summary>
/// The per-update hot path of status routing: validating an update and applying a batch of 100 to a
/// location's board (10 EVSEs, newer-only), as a location grain does for one incoming message.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class StatusApplyBenchmarks
{
    private readonly DateTimeOffset _now = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private EvseStatusBoard _board = null!;
    private StatusUpdate[] _updates = null!;
    private StatusOutcome[] _outcomes = null!;
    private string[] _uids = null!;
    private long _tick;

    [GlobalSetup]
    public void Setup()
    {
        var t0 = _now.AddDays(-1);
        _board = new EvseStatusBoard([.. Enumerable.Range(1, 10).Select(i => ($"EVSE-{i}", EvseStatus.Available, t0))]);
        _updates = new StatusUpdate[100];
        _outcomes = new StatusOutcome[100];
        _tick = t0.UtcTicks;
        // The wire strings exist already when a grain applies a batch.
        _uids = [.. Enumerable.Range(1, 10).Select(i => $"EVSE-{i}")];
    }

    /// <summary>Validate and apply 100 updates (all newer): the cost per batch message of one location.</summary>
    [Benchmark(OperationsPerInvoke = 100)]
    public int ValidateAndApplyBatchOf100()
    {
        for (var i = 0; i < _updates.Length; i++)
        {
            _updates[i] = new StatusUpdate("LOC-1", _uids[i % 10], EvseStatus.Charging, ++_tick);
        }

        var valid = 0;
        foreach (ref readonly var u in _updates.AsSpan())
        {
            if (LocationRules.ValidateUpdate(u, _now, TimeSpan.FromMinutes(5)) is null)
            {
                valid++;
            }
        }

        return valid + _board.ApplyAll(_updates, _outcomes);
    }
}
