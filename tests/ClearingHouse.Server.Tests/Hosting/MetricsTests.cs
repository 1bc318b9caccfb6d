using System.Text.RegularExpressions;
using ClearingHouse.Application.Tokens;
using ClearingHouse.Contracts.V1;
using Grpc.Core;
using ClearingHouse.LoadTests.Cli;
using Microsoft.Extensions.DependencyInjection;
using ClearingHouse.Server.Tests.Infrastructure;
using ClearingHouse.Server.Tests.Sessions;
using ClearingHouse.Server.Tests.Tokens;

namespace ClearingHouse.Server.Tests.Hosting;

/// <summary>
/// One hub with every flow exercised once (the load tool's roaming-day and authorize-burst, one command), scraped over
/// its real metrics endpoint.
/// </summary>
public sealed class ScrapedHubFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new();

    /// <summary>The hub.</summary>
    public HubHost Hub { get; private set; } = null!;

    /// <summary>The hub's metrics endpoint.</summary>
    public Uri MetricsUri { get; private set; } = null!;

    /// <summary>The metrics scraped after the traffic.</summary>
    public string Scrape { get; private set; } = "";

    /// <summary>Metric family names (Prometheus form) on the scrape.</summary>
    public IReadOnlySet<string> Families { get; private set; } = new HashSet<string>();

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var metricsPort = HubHost.FreePort();
        Hub = await HubHost.StartEmbeddedAsync(_data.Path, settings: new Dictionary<string, string?> { ["Hub:MetricsPort"] = metricsPort.ToString() });
        Environment.SetEnvironmentVariable("AUTHORIZE_TOKENS", "100");
        Environment.SetEnvironmentVariable("AUTHORIZE_MSP_SHARE", "0.5");
        try
        {
            using var output = new TempDirectory();
            foreach (var scenario in new[] { "roaming-day", "authorize-burst" })
            {
                var code = await LoadTestCommand.RunAsync([scenario, "--hub", Hub.Address.ToString(), "--credential", Hub.OperatorSecret,
                    "--rate", "40", "--duration", "1s", "--warmup", "200ms", "--quiet", "--out", Path.Combine(output.Path, scenario)]);
                Assert.True(code is 0 or 1, $"{scenario} ended with exit code {code} (set-up failed)");
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable("AUTHORIZE_TOKENS", null);
            Environment.SetEnvironmentVariable("AUTHORIZE_MSP_SHARE", null);
        }

        // A command to a CPO with no command channel: NO_CHANNEL at once, one round trip recorded.
        var pair = await RoamingPair.CreateAsync(Hub);
        await pair.StartAsync();

        // An EMSP answer nobody asked for: the unknown-answer counter (labelled with the EMSP) gets its series.
        await using (var msp = await MspSimulator.OpenAsync(pair.EmspChannel, MspBehaviour.Allow))
        {
            await msp.SendAsync(new AuthorizationChannelRequest { Answer = new AuthorizationAnswer { RequestId = "never-asked", Allowed = AllowedType.Allowed } });
            var counted = Hub.Services.GetRequiredService<TokenMetrics>();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (counted.UnknownAnswerTotal == 0)
            {
                await Task.Delay(50, wait.Token);
            }
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        MetricsUri = new Uri($"http://127.0.0.1:{metricsPort}/metrics");
        Scrape = await http.GetStringAsync(MetricsUri);
        Families = MetricsText.Families(Scrape);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        await Hub.DisposeAsync();
        _data.Dispose();
    }
}

/// <summary>Reads Prometheus text and the docs' metric names.</summary>
public static partial class MetricsText
{
    /// <summary>The <c>clearinghouse_*</c> families a scrape declares (<c># TYPE name kind</c>).</summary>
    public static IReadOnlySet<string> Families(string scrape) =>
        TypeLine().Matches(scrape).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

    /// <summary>Every <c>clearinghouse_*</c> name in <paramref name="text"/>, a histogram's <c>_bucket/_sum/_count</c> folded into its family.</summary>
    public static IReadOnlySet<string> Referenced(string text) =>
        Name().Matches(text).Select(m => Regex.Replace(m.Value, "_(bucket|sum|count)$", "")).ToHashSet(StringComparer.Ordinal);

    /// <summary>The repository root (where README.md is), found from the test's folder.</summary>
    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !(File.Exists(Path.Combine(dir.FullName, "README.md")) && Directory.Exists(Path.Combine(dir.FullName, "deploy"))))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new DirectoryNotFoundException($"no repository root above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex(@"^# TYPE (clearinghouse_[a-z0-9_]+) ", RegexOptions.Multiline)]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"\bclearinghouse_[a-z0-9_]*[a-z0-9]")]
    private static partial Regex Name();
}

/// <summary>What an SRE reads: the README's metrics list, the deploy/ dashboard and alert rules, against a real hub.</summary>
[Collection(ProcessWideMetrics.Name)]
public sealed class MetricsTests(ScrapedHubFixture fixture) : IClassFixture<ScrapedHubFixture>
{
    [Fact]
    public void Readme_MetricsList_MatchesTheScrapeBothWays()
    {
        var readme = File.ReadAllText(Path.Combine(MetricsText.RepositoryRoot(), "README.md"));
        var section = readme[readme.IndexOf("### Metrics", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", StringComparison.Ordinal)];
        var listed = section.Split('\n').Where(l => l.StartsWith("| `clearinghouse_", StringComparison.Ordinal))
            .Select(l => l.Split('`')[1]).Select(n => Regex.Replace(n, "_(bucket|sum|count)$", "")).ToHashSet(StringComparer.Ordinal);

        var undocumented = fixture.Families.Except(listed).Order().ToList();
        var missing = listed.Except(fixture.Families).Order().ToList();

        Assert.True(undocumented.Count == 0 && missing.Count == 0,
            $"on the hub, not in README: [{string.Join(", ", undocumented)}]; in README, not on the hub: [{string.Join(", ", missing)}]{Environment.NewLine}{fixture.Scrape}");
    }

    [Theory]
    [InlineData("grafana-dashboard.json")]
    [InlineData("prometheus-alerts.yml")]
    public void Deploy_EveryReferencedMetric_ExistsOnTheHub(string file)
    {
        var text = File.ReadAllText(Path.Combine(MetricsText.RepositoryRoot(), "deploy", file));
        var referenced = MetricsText.Referenced(text);

        var missing = referenced.Except(fixture.Families).Order().ToList();

        Assert.NotEmpty(referenced);
        Assert.True(missing.Count == 0, $"{file} names metrics the hub does not export: [{string.Join(", ", missing)}]");
    }

    [Fact]
    public void Labels_AreTheProtoEnumNames()
    {
        Assert.Contains("clearinghouse_tokens_authorizations_total{otel_scope_name=\"ClearingHouse\",allowed=\"ALLOWED\",source=\"HUB_COPY\"}", fixture.Scrape, StringComparison.Ordinal);
        Assert.Matches("clearinghouse_sessions_writes_total\\{[^}]*result=\"CREATED\"\\} [1-9]", fixture.Scrape);
        Assert.Matches("clearinghouse_commands_sent_total\\{[^}]*delivery=\"NO_CHANNEL\",type=\"START_SESSION\"\\} [1-9]", fixture.Scrape);
        Assert.DoesNotMatch("[{,](allowed|source|result|type|delivery|outcome)=\"[A-Z][a-z]+[A-Z]", fixture.Scrape);
    }

    [Fact]
    public void Counters_WithFixedLabels_AppearAtZeroBeforeTheirFirstEvent()
    {
        foreach (var series in new[]
        {
            "clearinghouse_auth_failures_total{otel_scope_name=\"ClearingHouse\",reason=\"suspended\"} 0",
            "clearinghouse_tokens_msp_channels_cut_total{otel_scope_name=\"ClearingHouse\",reason=\"flood\"} 0",
            "clearinghouse_queue_drops_total{otel_scope_name=\"ClearingHouse\",queue=\"command_channel_outbox\"} 0",
            "clearinghouse_commands_sent_total{otel_scope_name=\"ClearingHouse\",delivery=\"TIMEOUT\",type=\"UNLOCK_CONNECTOR\"} 0",
            "clearinghouse_cdrs_subscriber_overflows_total{otel_scope_name=\"ClearingHouse\"} 0",
        })
        {
            Assert.Contains(series, fixture.Scrape, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void GrpcCalls_CountedByMethodAndStatus()
    {
        Assert.Matches("clearinghouse_grpc_server_calls_total\\{[^}]*code=\"OK\",method=\"clearinghouse.v1.TokenService/Authorize\"\\} [1-9]", fixture.Scrape);
        Assert.Matches("clearinghouse_grpc_server_calls_total\\{[^}]*code=\"OK\",method=\"clearinghouse.v1.CommandService/StartSession\"\\} [1-9]", fixture.Scrape);
    }

    [Fact]
    public async Task GrpcCalls_RefusedByAuthenticationOrMappedByInterceptor_CountedWithTheirStatus()
    {
        // One call the authentication middleware answers (no service code runs) and one whose core refusal the error
        // interceptor maps: each is counted under the status its client saw, once its response has completed (so the
        // scrape is polled, with a timeout).
        var refused = await Assert.ThrowsAsync<RpcException>(() => new IdentityService.IdentityServiceClient(fixture.Hub.Channel("not-a-credential")).WhoAmIAsync(new WhoAmIRequest()).ResponseAsync);
        var mapped = await Assert.ThrowsAsync<RpcException>(() => new TokenService.TokenServiceClient(fixture.Hub.Channel(fixture.Hub.OperatorSecret))
            .AuthorizeAsync(new AuthorizeRequest { Uid = "METRICS-1", Type = TokenType.Rfid }).ResponseAsync);
        var expected = new[]
        {
            $"clearinghouse_grpc_server_calls_total\\{{[^}}]*code=\"{CodeName(refused.StatusCode)}\",method=\"clearinghouse.v1.IdentityService/WhoAmI\"\\}} [1-9]",
            $"clearinghouse_grpc_server_calls_total\\{{[^}}]*code=\"{CodeName(mapped.StatusCode)}\",method=\"clearinghouse.v1.TokenService/Authorize\"\\}} [1-9]",
        };
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var scrape = "";
        while (!wait.IsCancellationRequested && !expected.All(e => Regex.IsMatch(scrape, e)))
        {
            scrape = await http.GetStringAsync(fixture.MetricsUri, wait.Token);
            if (!expected.All(e => Regex.IsMatch(scrape, e)))
            {
                await Task.Delay(100, CancellationToken.None);
            }
        }

        Assert.True(refused.StatusCode == StatusCode.Unauthenticated, $"WhoAmI with a malformed credential: {refused.Status}");
        foreach (var e in expected)
        {
            Assert.True(Regex.IsMatch(scrape, e), $"no series matching {e} within 60 s; the calls' series:\n{string.Join('\n', scrape.Split('\n').Where(l => l.StartsWith("clearinghouse_grpc_server_calls_total", StringComparison.Ordinal) && !l.EndsWith(" 0", StringComparison.Ordinal)))}");
        }
    }

    private static string CodeName(StatusCode code) => ClearingHouse.Server.Telemetry.GrpcCallMetrics.CodeNames[(int)code];
}
