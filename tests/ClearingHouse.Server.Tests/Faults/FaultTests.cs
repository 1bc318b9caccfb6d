namespace ClearingHouse.Server.Tests.Faults;

/// <summary>
/// The fault tests (real hub processes killed, stopped, restarted; real PostgreSQL and Redis): they run alone, one
/// at a time, not beside the other test classes, so that the recovery times they report are the hub's and not the
/// test run's.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultTests
{
    /// <summary>The collection's name.</summary>
    public const string Name = "faults";
}
