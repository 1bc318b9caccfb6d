using System.Diagnostics;
using ClearingHouse.LoadTests.Cli;
using ClearingHouse.LoadTests.Engine;
using ClearingHouse.LoadTests.Reporting;
using Grpc.Core;

namespace ClearingHouse.Server.Tests.LoadTests;

/// <summary>The load tool's own counting and gating, without a hub.</summary>
public sealed class LoadToolUnitTests
{
    [Fact]
    public void Metrics_WarmupCallFinishingInTheWindow_NotCountedAsTheWindowsOk()
    {
        var metrics = new Metrics();
        var now = Stopwatch.GetTimestamp();
        metrics.SetMeasuredWindow(now, now + Stopwatch.Frequency);
        var warmupArrival = now - 10;
        var windowArrival = now + 10;
        Assert.True(metrics.TryAdmit(10, warmupArrival));
        Assert.True(metrics.TryAdmit(10, windowArrival));

        // Both finish inside the window; only the one that arrived in it is the window's.
        metrics.RecordSuccess(warmupArrival, warmupArrival, now + 20);
        metrics.RecordSuccess(windowArrival, windowArrival, now + 30);
        var window = metrics.ReadWindowTotals()!;

        Assert.Equal(1, window.Arrivals);
        Assert.Equal(1, window.Ok);
        Assert.True(window.Ok <= window.Arrivals);
    }

    [Fact]
    public void Metrics_ScenarioCheckFailure_NamedWithItsFirstMessageNotUnknown()
    {
        var metrics = new Metrics();
        metrics.TryAdmit(10);
        metrics.TryAdmit(10);
        metrics.TryAdmit(10);
        metrics.RecordCheckFailure(new InvalidOperationException("CDR C-1 acknowledged REJECTED: tariff T-MIN unknown"));
        metrics.RecordCheckFailure(new InvalidOperationException("a later one"));
        metrics.RecordFailure(StatusCode.Unavailable, "the hub is shutting down");

        var totals = metrics.ReadTotals();
        var byCode = IntervalCollector.ByCode(totals.ErrorsByCode);

        Assert.Equal(2, byCode[Metrics.ScenarioCheck]);
        Assert.False(byCode.ContainsKey("Unknown"));
        Assert.Equal("InvalidOperationException: CDR C-1 acknowledged REJECTED: tariff T-MIN unknown", metrics.FirstMessages[Metrics.ScenarioCheck]);
        Assert.Equal("the hub is shutting down", metrics.FirstMessages["Unavailable"]);
    }

    [Theory]
    [InlineData(40.0, true)]
    [InlineData(60.0, false)]
    public void Thresholds_MaxP99WithATargetFigure_GatesThatFigureNotTheCallLatency(double endToEndP99, bool passes)
    {
        var options = new RunOptions { Scenario = "status-storm", Hub = new Uri("http://127.0.0.1:1"), CredentialFile = "x", MaxP99Ms = 50 };
        var run = new PhaseResult
        {
            Name = "open", Mode = "open", Target = "t", WarmupSeconds = 0, MeasuredSeconds = 1, Arrivals = 10, Dropped = 0, Ok = 10, Errors = 0,
            ErrorsByCode = new Dictionary<string, long>(), Throughput = 10, ErrorRate = 0, Intervals = [],
            Latency = null, // the message latency is not what the target names: it must not decide
        };
        var figures = new Dictionary<string, double> { ["end-to-end delay p99 ms"] = endToEndP99 };

        var result = Assert.Single(ThresholdEvaluator.Evaluate(options, run, figures, "end-to-end delay p99 ms"));

        Assert.Equal("end-to-end delay p99 ms", result.Name);
        Assert.Equal(passes, result.Passed);
    }
}
