using System.Collections.Concurrent;
using System.Diagnostics;
using ClearingHouse.Domain.Credentials;
using ClearingHouse.Server.Identity;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace ClearingHouse.Server.Tests.Infrastructure;

/// <summary>
/// The built server (<c>ClearingHouse.Server.dll</c>, run with <c>dotnet</c>) as a separate OS process with its own
/// data and ports, for what an in-process host cannot show: a SIGKILL. Ready once the gRPC health service answers
/// SERVING. Disposing kills the process tree; so does the end of the test run, for a process a failed test left.
/// </summary>
public sealed class HubProcess : IHubEndpoint, IAsyncDisposable
{
    /// <summary>How long a start may take on a loaded 2-core machine before the test fails.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(180);

    private static readonly ConcurrentDictionary<int, Process> Running = new();
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly List<GrpcChannel> _channels = [];

    static HubProcess()
    {
        // A test that throws before disposing must still leave no server behind.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var process in Running.Values)
            {
                Kill(process);
            }
        };
    }

    private HubProcess(Process process, Uri address, Uri metricsAddress, string operatorSecret)
    {
        _process = process;
        Address = address;
        MetricsAddress = metricsAddress;
        OperatorSecret = operatorSecret;
    }

    /// <inheritdoc />
    public Uri Address { get; }

    /// <summary>The metrics port (HTTP/1.1): /metrics, /healthz, /readyz.</summary>
    public Uri MetricsAddress { get; }

    /// <inheritdoc />
    public string OperatorSecret { get; private set; }

    /// <summary>The OS process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>The last lines the server wrote (stdout and stderr), for failure messages.</summary>
    public string RecentOutput => string.Join(Environment.NewLine, _output);

    /// <summary>
    /// The server's settings for one hub: the same data directory and ports on every start, so a restart finds its
    /// data (and, in the Cluster profile, replaces its dead silo in the membership table at once).
    /// </summary>
    public sealed record Settings(IReadOnlyDictionary<string, string> Values, string? OperatorSecret)
    {
        /// <summary>An Embedded hub on SQLite in <paramref name="dataDirectory"/>, on free ports.</summary>
        public static Settings Embedded(string dataDirectory) => new(WithPorts(new()
        {
            ["Hub:Profile"] = "Embedded",
            ["Hub:DataDirectory"] = dataDirectory,
        }), null);

        /// <summary>A one-silo Cluster hub (Redis + PostgreSQL <paramref name="postgres"/>), on free ports.</summary>
        public static Settings Cluster(string dataDirectory, string clusterId, string postgres)
        {
            var secret = CredentialSecret.Generate(party: null).Text;
            return new(WithPorts(new()
            {
                ["Hub:Profile"] = "Cluster",
                ["Hub:DataDirectory"] = dataDirectory,
                ["Silo:ClusterId"] = clusterId,
                ["Silo:ServiceId"] = clusterId,
                ["Redis:ConnectionString"] = TestServices.Redis,
                ["Storage:Postgres:ConnectionString"] = postgres,
                ["Identity:OperatorSecretSha256"] = Convert.ToHexString(CredentialSecret.HashOf(secret)),
            }), secret);
        }

        private static Dictionary<string, string> WithPorts(Dictionary<string, string> values)
        {
            values["Hub:GrpcPort"] = HubHost.FreePort().ToString();
            values["Hub:MetricsPort"] = HubHost.FreePort().ToString();
            values["Ocpi:Port"] = HubHost.FreePort().ToString();
            values["Console:Port"] = HubHost.FreePort().ToString();
            values["Silo:SiloPort"] = HubHost.FreePort().ToString();
            values["Silo:GatewayPort"] = HubHost.FreePort().ToString();
            values["Logging:LogLevel:Default"] = "Warning";
            return values;
        }
    }

    /// <summary>
    /// The server assembly built beside this test assembly: <c>src/ClearingHouse.Server/bin/&lt;configuration&gt;/&lt;tfm&gt;</c>,
    /// found from this assembly's <c>tests/ClearingHouse.Server.Tests/bin/&lt;configuration&gt;/&lt;tfm&gt;</c>; building the
    /// tests builds it (project reference).
    /// </summary>
    public static string ServerAssembly
    {
        get
        {
            var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var (tfm, configuration) = (output.Name, output.Parent!.Name);
            var root = output;
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "ClearingHouse.sln")))
            {
                root = root.Parent;
            }

            var path = root is null ? null : Path.Combine(root.FullName, "src", "ClearingHouse.Server", "bin", configuration, tfm, "ClearingHouse.Server.dll");
            return path is not null && File.Exists(path)
                ? path
                : throw new InvalidOperationException($"ClearingHouse.Server.dll not found (looked for {path ?? "ClearingHouse.sln above " + output.FullName}); build the tests with dotnet build first.");
        }
    }

    /// <summary>Starts the server with <paramref name="settings"/> and waits until it serves.</summary>
    public static async Task<HubProcess> StartAsync(Settings settings)
    {
        var start = new ProcessStartInfo
        {
            FileName = "dotnet",
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = settings.Values["Hub:DataDirectory"],
        };
        start.ArgumentList.Add(ServerAssembly);
        foreach (var (key, value) in settings.Values)
        {
            start.ArgumentList.Add($"--{key}");
            start.ArgumentList.Add(value);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Test";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Test";
        var process = new Process { StartInfo = start };
        process.Start();
        Running[process.Id] = process;
        var address = new Uri($"http://127.0.0.1:{settings.Values["Hub:GrpcPort"]}");
        var hub = new HubProcess(process, address, new Uri($"http://127.0.0.1:{settings.Values["Hub:MetricsPort"]}"), settings.OperatorSecret ?? "");
        process.OutputDataReceived += (_, e) => hub.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => hub.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await hub.WaitUntilServingAsync();
            if (settings.OperatorSecret is null)
            {
                // Embedded: the hub wrote its operator credential to the data folder on first start.
                hub.OperatorSecret = (await File.ReadAllTextAsync(Path.Combine(settings.Values["Hub:DataDirectory"], OperatorCredential.FileName))).Trim();
            }

            return hub;
        }
        catch
        {
            await hub.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc />
    public GrpcChannel Channel(string? secret)
    {
        var channel = HubHost.CreateChannel(Address, secret);
        lock (_channels)
        {
            _channels.Add(channel);
        }

        return channel;
    }

    /// <summary>SIGKILL: the server gets no chance to flush, stop or say goodbye.</summary>
    public async Task KillAsync()
    {
        Kill(_process);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(cts.Token);
        Running.TryRemove(_process.Id, out _);
    }

    /// <summary>
    /// SIGTERM, as an orchestrator stops a pod: waits up to <paramref name="patience"/> for the process to exit and
    /// returns its exit code and how long it took.
    /// </summary>
    public async Task<(int ExitCode, TimeSpan Took)> TerminateAsync(TimeSpan patience)
    {
        var started = Stopwatch.StartNew();
        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!)
        {
            await kill.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(patience);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the server did not exit within {patience} of SIGTERM:{Environment.NewLine}{RecentOutput}");
        }

        Running.TryRemove(_process.Id, out _);
        return (_process.ExitCode, started.Elapsed);
    }

    /// <summary>Kills the process (if still running) and releases its channels.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_channels)
        {
            foreach (var channel in _channels)
            {
                channel.Dispose();
            }

            _channels.Clear();
        }

        try
        {
            if (!_process.HasExited)
            {
                await KillAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        Running.TryRemove(_process.Id, out _);
    }

    private async Task WaitUntilServingAsync()
    {
        using var channel = HubHost.CreateChannel(Address, null);
        var health = new Health.HealthClient(channel);
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the server exited with code {_process.ExitCode} while starting:{Environment.NewLine}{RecentOutput}");
            }

            try
            {
                var reply = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(10));
                if (reply.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return;
                }
            }
            catch (RpcException) when (DateTime.UtcNow < deadline)
            {
                // Not listening yet, or the silo is still joining.
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"the server did not serve within {StartTimeout}:{Environment.NewLine}{RecentOutput}");
            }

            await Task.Delay(200);
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 200 && _output.TryDequeue(out _))
        {
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
