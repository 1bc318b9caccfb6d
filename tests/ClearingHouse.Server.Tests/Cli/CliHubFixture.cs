using System.Text.Json;
using ClearingHouse.Server.Tests.Infrastructure;

namespace ClearingHouse.Server.Tests.Cli;

/// <summary>
/// A hub started as a user starts it (the server process, Embedded profile, a fresh <c>data</c> folder) and a working
/// folder above that <c>data</c> folder, where the CLI finds <c>./data/operator.credential</c> on its own. The CPO
/// NL-ABC-CPO and the EMSP DE-XYZ-EMSP are registered with an active agreement, through the CLI.
/// </summary>
public sealed class CliHubFixture : IAsyncLifetime
{
    private readonly TempDirectory _work = new();
    private HubProcess.Settings _settings = null!;

    /// <summary>The running hub.</summary>
    public HubProcess Hub { get; private set; } = null!;

    /// <summary>The folder the CLI runs in (holds <c>data/</c>).</summary>
    public string WorkingDirectory => _work.Path;

    /// <summary>The hub's Prometheus port (HTTP/1.1).</summary>
    public int MetricsPort => int.Parse(_settings.Values["Hub:MetricsPort"], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>NL-ABC-CPO's secret.</summary>
    public string CpoSecret { get; private set; } = "";

    /// <summary>DE-XYZ-EMSP's secret.</summary>
    public string EmspSecret { get; private set; } = "";

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _settings = HubProcess.Settings.Embedded(Path.Combine(_work.Path, "data"));
        Directory.CreateDirectory(_settings.Values["Hub:DataDirectory"]);
        Hub = await HubProcess.StartAsync(_settings);
        await Ok("parties", "register", "NL-ABC-CPO", "--name", "Acme Charging");
        await Ok("parties", "register", "DE-XYZ-EMSP", "--name", "Xyz Mobility");
        await Ok("agreements", "set", "--cpo", "NL-ABC-CPO", "--emsp", "DE-XYZ-EMSP");
        CpoSecret = Secret(await Ok("credentials", "issue", "NL-ABC-CPO", "--json"));
        EmspSecret = Secret(await Ok("credentials", "issue", "DE-XYZ-EMSP", "--json"));
    }

    /// <summary>Runs the CLI against this hub as the operator (or with the <c>--credential</c> in <paramref name="args"/>).</summary>
    public Task<CliProcess.Result> Run(params string[] args) =>
        CliProcess.RunAsync(WorkingDirectory, ["--hub", Hub.Address.ToString(), .. args]);

    /// <summary>Runs the CLI as the CPO.</summary>
    public Task<CliProcess.Result> AsCpo(params string[] args) => Run(["--credential", CpoSecret, .. args]);

    /// <summary>Runs the CLI as the EMSP.</summary>
    public Task<CliProcess.Result> AsEmsp(params string[] args) => Run(["--credential", EmspSecret, .. args]);

    /// <summary>Writes a file into the working folder and returns its name.</summary>
    public string File(string name, string content)
    {
        System.IO.File.WriteAllText(Path.Combine(WorkingDirectory, name), content);
        return name;
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        await Hub.DisposeAsync();
        _work.Dispose();
    }

    private async Task<CliProcess.Result> Ok(params string[] args)
    {
        var result = await Run(args);
        return result.Code == 0 ? result : throw new InvalidOperationException($"set-up failed:{Environment.NewLine}{result}{Environment.NewLine}hub:{Environment.NewLine}{Hub.RecentOutput}");
    }

    private static string Secret(CliProcess.Result issued) => JsonDocument.Parse(issued.Output).RootElement.GetProperty("secret").GetString()!;
}
