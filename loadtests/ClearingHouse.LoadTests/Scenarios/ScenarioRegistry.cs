namespace ClearingHouse.LoadTests.Scenarios;

/// <summary>Every scenario the tool knows; each becomes a sub-command.</summary>
public static class ScenarioRegistry
{
    public static IReadOnlyList<IScenario> All { get; } =
    [
        new CalibrateScenario(),
        new WhoAmIScenario(),
        new AuthorizeBurstScenario(),
        new CdrFloodScenario(),
        new SessionLifecycleScenario(),
        new StatusStormScenario(),
        new RoamingDayScenario(),
        new OcpiStatusScenario(),
        new OcpiAuthorizeScenario(),
    ];

    public static IScenario? Find(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
}
