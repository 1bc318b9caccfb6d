using System.Text.RegularExpressions;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ClearingHouse.Server.Tests.Grpc;

/// <summary>
/// A partner that resets its stream (an EMSP closing its authorization channel, a CPO its command channel, an aborted
/// PutTokens) is a normal disconnect (issue 17: it was logged <c>fail: ... Unexpected error</c> with a stack and counted
/// Internal): no error-level log entry, and the call is counted with a status other than INTERNAL or UNKNOWN.
/// </summary>
public sealed partial class ClientResetTests(ITestOutputHelper output)
{
    private static readonly string[] Methods =
    [
        "clearinghouse.v1.TokenService/AuthorizationChannel",
        "clearinghouse.v1.CommandService/CommandChannel",
        "clearinghouse.v1.TokenService/PutTokens",
    ];

    [Fact]
    public async Task StreamsResetByThePartner_NoErrorLoggedAndNotCountedInternal()
    {
        using var data = new TempDirectory();
        await using var hub = await HubProcess.StartAsync(HubProcess.Settings.Embedded(data.Path));
        var roaming = await Roaming.SetUpAsync(hub);
        using var ready = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        using (var channel = new TokenService.TokenServiceClient(roaming.EmspChannel(hub)).AuthorizationChannel())
        {
            Assert.True(await channel.ResponseStream.MoveNext(ready.Token), "the authorization channel sent nothing");
        }

        using (var channel = new CommandService.CommandServiceClient(roaming.CpoChannel(hub)).CommandChannel())
        {
            Assert.True(await channel.ResponseStream.MoveNext(ready.Token), "the command channel sent nothing");
        }

        using (var upload = new TokenService.TokenServiceClient(roaming.EmspChannel(hub)).PutTokens())
        {
            await upload.RequestStream.WriteAsync(new PutTokensRequest());
        }

        // Disposing a call resets its stream; the hub counts each call once it has ended.
        using var http = new HttpClient();
        var metrics = new Uri(hub.MetricsAddress, "/metrics");
        var ended = new Dictionary<string, List<(string Code, double Count)>>(StringComparer.Ordinal);
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (true)
            {
                var scrape = await http.GetStringAsync(metrics, timeout.Token);
                ended = Methods.ToDictionary(m => m, m => Series().Matches(scrape)
                    .Where(s => s.Groups["method"].Value == m && s.Groups["code"].Value != "OK" && double.Parse(s.Groups["count"].Value, System.Globalization.CultureInfo.InvariantCulture) > 0)
                    .Select(s => (s.Groups["code"].Value, double.Parse(s.Groups["count"].Value, System.Globalization.CultureInfo.InvariantCulture)))
                    .ToList(), StringComparer.Ordinal);
                if (ended.Values.All(v => v.Count > 0))
                {
                    break;
                }

                await Task.Delay(100, timeout.Token);
            }
        }

        var seen = string.Join("; ", ended.Select(e => $"{e.Key}: {string.Join(", ", e.Value.Select(v => $"{v.Code} {v.Count}"))}"));
        output.WriteLine(seen);
        Assert.True(ended.Values.SelectMany(v => v).All(v => v.Code is not ("INTERNAL" or "UNKNOWN")), $"a reset counted as a failure of the hub: {seen}");
        var failures = hub.RecentOutput.Split('\n').Where(l => l.Contains("fail:", StringComparison.Ordinal)).ToList();
        Assert.True(failures.Count == 0, $"the hub logged a failure for a reset stream: {seen}{Environment.NewLine}{hub.RecentOutput}");
    }

    [GeneratedRegex("clearinghouse_grpc_server_calls_total\\{[^}]*code=\"(?<code>[A-Z_]+)\",method=\"(?<method>[^\"]+)\"[^}]*\\} (?<count>[0-9.e+]+)")]
    private static partial Regex Series();
}
