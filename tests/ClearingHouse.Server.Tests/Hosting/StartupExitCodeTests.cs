using System.Net;
using System.Net.Sockets;
using ClearingHouse.Server.Tests.Cli;
using ClearingHouse.Server.Tests.Infrastructure;

namespace ClearingHouse.Server.Tests.Hosting;

/// <summary>
/// The server process as an operator starts it: a bad setting or a busy port ends with one plain line naming the
/// setting and the documented exit code (2 bad setting, 3 cannot listen; never 134 with a stack trace), and
/// <c>--help</c> prints the settings and exits 0 without starting a hub or writing a credential.
/// </summary>
public sealed class StartupExitCodeTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData("Hub:Profile", "Foo", "Hub:Profile 'Foo' is not valid: it must be one of Embedded, Cluster")]
    [InlineData("Hub:GrpcPort", "-1", "Hub:GrpcPort must be a TCP port")]
    [InlineData("Hub:GrpcPort", "abc", "Hub:GrpcPort 'abc' is not valid")]
    [InlineData("Hub:Profile", "Cluster", "Storage:Postgres:ConnectionString is required in the Cluster profile")]
    [InlineData("Tokens:HubCopyMaxAge", "00:00:00", "Tokens:HubCopyMaxAge must be")]
    public async Task Start_BadSetting_OneLineNamingItAndExit2(string key, string value, string expected)
    {
        using var data = new TempDirectory();

        var run = await RunServerAsync(data.Path, $"--{key}", value);

        Assert.True(run.Code == 2, run.ToString());
        Assert.Contains($"error: {expected}", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Output + run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(data.Path, "data", "operator.credential")), $"a credential was written:{Environment.NewLine}{run}");
    }

    [Fact]
    public async Task Start_GrpcPortInUse_OneLineNamingItAndExit3()
    {
        using var data = new TempDirectory();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var run = await RunServerAsync(data.Path, "--Hub:GrpcPort", port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.True(run.Code == 3, run.ToString());
        Assert.Contains($"error: Hub:GrpcPort {port} on 127.0.0.1 is already in use", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Output + run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_PrintsSettingsAndExit0_WithoutStartingAHub()
    {
        using var data = new TempDirectory();

        var run = await RunServerAsync(data.Path, "--help");

        Assert.True(run.Code == 0, run.ToString());
        foreach (var setting in new[] { "Hub:Profile", "Hub:GrpcPort", "Storage:Postgres:ConnectionString", "Identity:OperatorSecretSha256", "Locations:MaxClockSkew" })
        {
            Assert.Contains(setting, run.Output, StringComparison.Ordinal);
        }

        Assert.Empty(Directory.GetFileSystemEntries(data.Path));
    }

    // The hub in its own process, on ports nothing else uses, in a fresh working directory (so ./data is its own).
    private static Task<CliProcess.Result> RunServerAsync(string workingDirectory, params string[] args)
    {
        string[] ports = ["--Hub:MetricsPort", "0", "--Silo:SiloPort", Free(), "--Silo:GatewayPort", Free()];
        string[] all = args.Contains("--Hub:GrpcPort") ? [.. ports, .. args] : [.. ports, "--Hub:GrpcPort", Free(), .. args];
        return CliProcess.RunAsync("dotnet", [HubProcess.ServerAssembly, .. all], workingDirectory, Patience, new Dictionary<string, string> { ["DOTNET_ENVIRONMENT"] = "Test" });
    }

    private static string Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
