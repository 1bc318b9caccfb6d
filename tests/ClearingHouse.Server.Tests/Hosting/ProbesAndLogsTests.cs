using System.Net;
using System.Text.RegularExpressions;
using ClearingHouse.Server.Tests.Infrastructure;

namespace ClearingHouse.Server.Tests.Hosting;

/// <summary>What an SRE sees of a real hub process: probes beside the metrics, and a log fit for a shipper.</summary>
public sealed partial class ProbesAndLogsTests
{
    [Fact]
    public async Task Probes_OnTheMetricsPort_LiveAndReady()
    {
        using var data = new TempDirectory();
        await using var hub = await HubProcess.StartAsync(HubProcess.Settings.Embedded(data.Path));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var metrics = hub.MetricsAddress;

        using var live = await http.GetAsync(new Uri(metrics, "/healthz"));
        using var ready = await http.GetAsync(new Uri(metrics, "/readyz"));

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Log_AtInformation_TimestampedWithoutOptionsDumpOrBogusWatchdogWarning()
    {
        using var data = new TempDirectory();
        var settings = HubProcess.Settings.Embedded(data.Path);
        settings = settings with { Values = new Dictionary<string, string>(settings.Values) { ["Logging:LogLevel:Default"] = "Information" } };
        await using var hub = await HubProcess.StartAsync(settings);

        var log = hub.RecentOutput;
        var lines = log.Split(Environment.NewLine);
        Assert.Contains(lines, l => Timestamped().IsMatch(l));
        Assert.DoesNotContain("SiloOptionsLogger", log, StringComparison.Ordinal);
        Assert.DoesNotContain("Participant check thread", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Log_JsonFormatter_OneJsonObjectPerLine()
    {
        using var data = new TempDirectory();
        var settings = HubProcess.Settings.Embedded(data.Path);
        settings = settings with
        {
            Values = new Dictionary<string, string>(settings.Values)
            {
                ["Logging:LogLevel:Default"] = "Information",
                ["Logging:Console:FormatterName"] = "json",
            },
        };
        await using var hub = await HubProcess.StartAsync(settings);

        var entries = hub.RecentOutput.Split(Environment.NewLine).Where(l => l.StartsWith('{')).ToList();
        Assert.True(entries.Count > 0, $"no JSON log line:{Environment.NewLine}{hub.RecentOutput}");
        foreach (var entry in entries)
        {
            using var json = System.Text.Json.JsonDocument.Parse(entry);
            Assert.True(json.RootElement.TryGetProperty("Timestamp", out _), entry);
            Assert.True(json.RootElement.TryGetProperty("Category", out _), entry);
        }
    }

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (info|warn|fail|crit|dbug|trce): ")]
    private static partial Regex Timestamped();
}
