using System.Collections.Concurrent;
using System.Net;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using ClearingHouse.Server.Tests.Tokens;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ClearingHouse.Server.Tests.Hosting;

/// <summary>OpenTelemetry tracing of a real hub, exported with OTLP to a receiver in the test.</summary>
public sealed class TracingTests
{
    [Fact]
    public async Task Authorize_AskingTheEmsp_OneTraceFromTheCposCallToTheEmspsDelivery()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var data = new TempDirectory();
        await using var hub = await HubHost.StartEmbeddedAsync(data.Path, settings: new Dictionary<string, string?>
        {
            ["Telemetry:TracingEnabled"] = "true",
            ["Telemetry:OtlpProtocol"] = "HttpProtobuf",
            ["Telemetry:OtlpEndpoint"] = $"{receiver.Address}v1/traces",
        });
        var pair = await RoamingPair.CreateAsync(hub);
        await pair.PutAsync("TRACED-1", WhitelistType.Allowed);
        await using var msp = await MspSimulator.OpenAsync(pair.EmspChannel, MspBehaviour.Allow);

        // Server span of the call, Orleans' grain calls, the ask, the write to the EMSP's channel, the journal's commit.
        var names = await AuthorizeTracedAsync(pair, receiver, "TRACED-1");

        Assert.Contains(names, n => n.Contains("TokenService/Authorize", StringComparison.Ordinal));
        Assert.Contains("clearinghouse.authorization.ask_emsp", names);
        Assert.Contains(names, n => n.Contains("ITokenGrain", StringComparison.Ordinal) || n.Contains("TokenGrain", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Authorize_CpoOnOneSiloEmspChannelOnTheOther_OneTraceAcrossSilos()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var clusterId = $"ch-trace-{Guid.NewGuid():N}";
        var operatorSecret = ClearingHouse.Domain.Credentials.CredentialSecret.Generate(party: null).Text;
        var postgres = await TestServices.CreateDatabaseAsync();
        try
        {
            var settings = new Dictionary<string, string?>
            {
                ["Telemetry:TracingEnabled"] = "true",
                ["Telemetry:OtlpProtocol"] = "HttpProtobuf",
                ["Telemetry:OtlpEndpoint"] = $"{receiver.Address}v1/traces",
            };
            await using var a = await HubHost.StartClusterAsync(clusterId, postgres, operatorSecret, settings);
            await using var b = await HubHost.StartClusterAsync(clusterId, postgres, operatorSecret, settings);
            await a.WaitForActiveSilosAsync(2, TimeSpan.FromSeconds(60));
            await b.WaitForActiveSilosAsync(2, TimeSpan.FromSeconds(60));

            // The CPO calls silo A; the EMSP's only channel is on silo B.
            var pair = await RoamingPair.CreateAsync(a, emspHub: b);
            await pair.PutAsync("TRACED-2", WhitelistType.Never);
            await using var msp = await MspSimulator.OpenAsync(pair.EmspChannel, MspBehaviour.Allow);
            var names = await AuthorizeTracedAsync(pair, receiver, "TRACED-2");

            // The ask went through the EMSP's channel registry grain to silo B's hub, and B's write joined the trace.
            Assert.Contains(names, n => n.Contains("MspChannel", StringComparison.Ordinal));
        }
        finally
        {
            await TestServices.DropDatabaseAsync(postgres);
        }
    }

    [Fact]
    public async Task Tracing_OffByDefault_ExportsNothing()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var data = new TempDirectory();
        await using (var hub = await HubHost.StartEmbeddedAsync(data.Path, settings: new Dictionary<string, string?>
        {
            ["Telemetry:OtlpProtocol"] = "HttpProtobuf",
            ["Telemetry:OtlpEndpoint"] = $"{receiver.Address}v1/traces",
        }))
        {
            var pair = await RoamingPair.CreateAsync(hub);
            await pair.PutAsync("UNTRACED", WhitelistType.Always);
            await pair.AuthorizeAsync("UNTRACED");
        }

        // The hub has stopped (an exporter flushes at shutdown): had it traced anything, it would be here by now.
        Assert.Empty(receiver.Spans);
    }

    // The CPO authorizes inside a trace of its own, as its client would send it (W3C trace context over gRPC); waits
    // until the receiver has the write to the EMSP's channel and the journal's commit in that trace, checks that the
    // write's parent span is in it too, and returns the trace's span names.
    private static async Task<List<string>> AuthorizeTracedAsync(RoamingPair pair, OtlpReceiver receiver, string uid)
    {
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var response = await pair.CpoTokens.AuthorizeAsync(
            new AuthorizeRequest { Uid = uid, Type = TokenType.Rfid, Location = new LocationReferences { LocationId = "LOC1" } },
            new Metadata { { "traceparent", $"00-{traceId}-00f067aa0ba902b7-01" } },
            deadline: DateTime.UtcNow.AddSeconds(30));
        Assert.Equal(DecisionSource.MspRealTime, response.Source);

        var spans = await receiver.WaitForAsync(
            traceId,
            s => s.Any(x => x.Name == "clearinghouse.authorization.deliver_to_emsp") && s.Any(x => x.Name == "clearinghouse.authorization.record"),
            TimeSpan.FromSeconds(60));
        var names = spans.Select(s => s.Name).ToList();
        var byId = spans.ToDictionary(s => s.SpanId);
        var delivery = spans.Single(s => s.Name == "clearinghouse.authorization.deliver_to_emsp");
        Assert.True(byId.ContainsKey(delivery.ParentSpanId), $"the delivery's parent is not in the trace: {string.Join(", ", names)}");
        return names;
    }
}

/// <summary>One span as an OTLP receiver sees it.</summary>
public sealed record ReceivedSpan(string TraceId, string SpanId, string ParentSpanId, string Name);

/// <summary>
/// A minimal OTLP/HTTP trace receiver on Kestrel: accepts <c>POST /v1/traces</c> (protobuf ExportTraceServiceRequest) and
/// keeps each span's ids and name, read straight off the wire (the proto package is not served here).
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<(string TraceId, string SpanId), bool> _seen = new();

    private OtlpReceiver(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The receiver's base address (ends with '/').</summary>
    public Uri Address { get; }

    /// <summary>Every span received, once: an OTLP exporter retries an export it is unsure of, so a span may arrive twice.</summary>
    public ConcurrentQueue<ReceivedSpan> Spans { get; } = new();

    /// <summary>Starts a receiver on a free port of 127.0.0.1.</summary>
    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var port = HubHost.FreePort();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var receiver = new OtlpReceiver(app, new Uri($"http://127.0.0.1:{port}/"));
        app.MapPost("/v1/traces", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            foreach (var span in Parse(body.ToArray()))
            {
                if (receiver._seen.TryAdd((span.TraceId, span.SpanId), true))
                {
                    receiver.Spans.Enqueue(span);
                }
            }

            context.Response.ContentType = "application/x-protobuf";
            await context.Response.Body.WriteAsync(Array.Empty<byte>());
        });
        await app.StartAsync();
        return receiver;
    }

    /// <summary>Waits until the spans of <paramref name="traceId"/> satisfy <paramref name="done"/>; fails listing what came.</summary>
    public async Task<IReadOnlyList<ReceivedSpan>> WaitForAsync(string traceId, Func<IReadOnlyList<ReceivedSpan>, bool> done, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var spans = Spans.Where(s => s.TraceId == traceId).ToList();
            if (done(spans))
            {
                return spans;
            }

            try
            {
                await Task.Delay(200, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"after {timeout}, trace {traceId} has [{string.Join(", ", spans.Select(s => s.Name))}]; all spans received: " +
                    string.Join(", ", Spans.Select(s => $"{s.TraceId[..8]}:{s.Name}")));
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    // ExportTraceServiceRequest { 1: ResourceSpans { 2: ScopeSpans { 2: Span { 1 trace_id, 2 span_id, 4 parent_span_id, 5 name } } } }
    private static IEnumerable<ReceivedSpan> Parse(byte[] request)
    {
        foreach (var resourceSpans in Fields(request, 1))
        {
            foreach (var scopeSpans in Fields(resourceSpans, 2))
            {
                foreach (var span in Fields(scopeSpans, 2))
                {
                    string trace = "", id = "", parent = "", name = "";
                    var input = new CodedInputStream(span);
                    while (input.ReadTag() is var tag and not 0)
                    {
                        switch (WireFormat.GetTagFieldNumber(tag))
                        {
                            case 1: trace = Convert.ToHexStringLower(input.ReadBytes().ToByteArray()); break;
                            case 2: id = Convert.ToHexStringLower(input.ReadBytes().ToByteArray()); break;
                            case 4: parent = Convert.ToHexStringLower(input.ReadBytes().ToByteArray()); break;
                            case 5: name = input.ReadString(); break;
                            default: input.SkipLastField(); break;
                        }
                    }

                    yield return new ReceivedSpan(trace, id, parent, name);
                }
            }
        }
    }

    private static List<byte[]> Fields(byte[] message, int number)
    {
        var found = new List<byte[]>();
        var input = new CodedInputStream(message);
        while (input.ReadTag() is var tag and not 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == number && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                found.Add(input.ReadBytes().ToByteArray());
            }
            else
            {
                input.SkipLastField();
            }
        }

        return found;
    }
}
