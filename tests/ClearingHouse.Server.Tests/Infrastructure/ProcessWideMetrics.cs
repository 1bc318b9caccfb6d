namespace ClearingHouse.Server.Tests.Infrastructure;

/// <summary>
/// Tests that read exact values from a hub's metrics scrape: they run alone. Every hub in this test process creates a
/// meter of the same name, and OpenTelemetry's listener sees the instruments of all of them, so a suspended party's
/// refusal in another class's hub would count in this hub's scrape (seen: a series expected at 0 read 1).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideMetrics
{
    /// <summary>The collection's name.</summary>
    public const string Name = "process-wide-metrics";
}
