using System.Globalization;
using ClearingHouse.LoadTests.Cli;
using ClearingHouse.LoadTests.Hub;

namespace ClearingHouse.LoadTests.Scenarios.Shared;

/// <summary>Scenario knobs read from environment variables; a malformed value is a set-up failure (exit code 2).</summary>
public static class ScenarioEnv
{
    /// <summary>The value of <paramref name="name"/>, or <paramref name="fallback"/> when unset or empty.</summary>
    public static T Get<T>(string name, T fallback) where T : IParsable<T> =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } text
            ? T.TryParse(text, CultureInfo.InvariantCulture, out var value) ? value : throw new LoadTestSetupException($"{name}='{text}' is not a number")
            : fallback;
}
