namespace ClearingHouse.Server.Tests.Infrastructure;

/// <summary>
/// Tests whose assertions are about the hub's own deadlines (a fallback never before the EMSP's deadline, an answer
/// within the CPO's): they run alone, not beside the other test classes of this process, whose start-ups share the
/// thread pool with the in-process hub (a 1 s CPO deadline was missed once in CI that way, with 250 ms to spare).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingSensitive
{
    /// <summary>The collection's name.</summary>
    public const string Name = "timing-sensitive";
}
