using System.CommandLine;
using System.Globalization;
using ClearingHouse.LoadTests.Calibration;
using ClearingHouse.LoadTests.Engine;
using ClearingHouse.LoadTests.Scenarios;

namespace ClearingHouse.LoadTests.Cli;

/// <summary>The command line: one sub-command per registered scenario, the same options for all.</summary>
public static class LoadTestCommand
{
    private static readonly Option<string> Hub = new("--hub")
    {
        Description = "The hub's gRPC address (h2c: http://host:port).",
        DefaultValueFactory = _ => "http://127.0.0.1:5080",
        Recursive = true,
    };

    private static readonly Option<string?> Credential = new("--credential")
    {
        Description = "The operator's credential (else env CLEARINGHOUSE_CREDENTIAL, else --credential-file).",
        Recursive = true,
    };

    private static readonly Option<string> CredentialFile = new("--credential-file")
    {
        Description = "File holding the operator's credential, as the hub writes it.",
        DefaultValueFactory = _ => "data/operator.credential",
        Recursive = true,
    };

    private static readonly Option<string?> Rate = new("--rate")
    {
        Description = "Target arrivals per second, or 'max': find the maximum sustainable rate R (closed loop), then run open at R/2. Default: max for calibrate, 100 otherwise.",
        Recursive = true,
    };

    private static readonly Option<double?> RateStart = new("--rate-start")
    {
        Description = "First rate of a ramp or step profile (default: --rate / 10).",
        Recursive = true,
    };

    private static readonly Option<string> Profile = new("--profile")
    {
        Description = "constant | ramp (from --rate-start to --rate) | step (--steps equal steps).",
        DefaultValueFactory = _ => "constant",
        Recursive = true,
    };

    private static readonly Option<int> Steps = new("--steps")
    {
        Description = "Number of steps of the step profile.",
        DefaultValueFactory = _ => 5,
        Recursive = true,
    };

    private static readonly Option<string> Duration = new("--duration")
    {
        Description = "Measured time, e.g. 30s, 2m, 1m30s.",
        DefaultValueFactory = _ => "30s",
        Recursive = true,
    };

    private static readonly Option<string> Warmup = new("--warmup")
    {
        Description = "Warm-up before the measured time, excluded from results.",
        DefaultValueFactory = _ => "5s",
        Recursive = true,
    };

    private static readonly Option<string> Grace = new("--grace")
    {
        Description = "After the last arrival, how long in-flight calls may finish before they are cancelled.",
        DefaultValueFactory = _ => "5s",
        Recursive = true,
    };

    private static readonly Option<string> CallTimeout = new("--call-timeout")
    {
        Description = "Deadline of each call.",
        DefaultValueFactory = _ => "5s",
        Recursive = true,
    };

    private static readonly Option<int> Connections = new("--connections")
    {
        Description = "gRPC channels, each its own HTTP/2 connection; arrivals go round-robin.",
        DefaultValueFactory = _ => 4,
        Recursive = true,
    };

    private static readonly Option<int> Streams = new("--streams")
    {
        Description = "Streams per connection, for streaming scenarios.",
        DefaultValueFactory = _ => 1,
        Recursive = true,
    };

    private static readonly Option<int> Batch = new("--batch")
    {
        Description = "Items per message for streaming scenarios that batch (status-storm: status updates per message, 1..1000).",
        DefaultValueFactory = _ => 1,
        Recursive = true,
    };

    private static readonly Option<int> MaxInFlight = new("--max-in-flight")
    {
        Description = "Calls in flight at most; an arrival beyond it is counted as dropped (overload), never delayed.",
        DefaultValueFactory = _ => 10_000,
        Recursive = true,
    };

    private static readonly Option<int> Concurrency = new("--concurrency")
    {
        Description = "With --rate max: calls in flight per connection in the closed-loop saturation run.",
        DefaultValueFactory = _ => 32,
        Recursive = true,
    };

    private static readonly Option<string> Saturation = new("--saturation")
    {
        Description = "With --rate max: measured time of the closed-loop saturation run.",
        DefaultValueFactory = _ => "5s",
        Recursive = true,
    };

    private static readonly Option<bool> Calibrate = new("--calibrate")
    {
        Description = "Run the calibration (empty in-process handler) first and state the results as ratios of it.",
        Recursive = true,
    };

    private static readonly Option<string> CalibrationServer = new("--calibration-server")
    {
        Description = "Where the calibration's empty handler runs: in-process (Kestrel in this process) or process (a child process, as a hub is).",
        DefaultValueFactory = _ => "in-process",
        Recursive = true,
    };

    private static readonly Option<double?> MaxP99 = new("--max-p99")
    {
        Description = "Threshold: p99 latency (ms, from the intended send time); exit 1 when above.",
        Recursive = true,
    };

    private static readonly Option<double?> MaxErrorRate = new("--max-error-rate")
    {
        Description = "Threshold: (errors + dropped) / arrivals, 0..1; exit 1 when above.",
        Recursive = true,
    };

    private static readonly Option<double?> MinThroughput = new("--min-throughput")
    {
        Description = "Threshold: successful calls/s over the measured time; exit 1 when below.",
        Recursive = true,
    };

    private static readonly Option<string?> Out = new("--out")
    {
        Description = "Results folder (default loadtest-results/<scenario>-<utc timestamp>/).",
        Recursive = true,
    };

    private static readonly Option<bool> Quiet = new("--quiet")
    {
        Description = "No per-second progress lines.",
        Recursive = true,
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand(
            "ClearingHouse load tests: an open workload model (arrivals at a target rate, latency from the intended send time) " +
            "against a hub, or against an in-process empty gRPC handler (calibrate). Exit codes: 0 pass, 1 threshold failed, 2 bad usage or set-up.");
        foreach (var option in new Option[]
        {
            Hub, Credential, CredentialFile, Rate, RateStart, Profile, Steps, Duration, Warmup, Grace, CallTimeout,
            Connections, Streams, Batch, MaxInFlight, Concurrency, Saturation, Calibrate, CalibrationServer, MaxP99, MaxErrorRate, MinThroughput, Out, Quiet,
        })
        {
            root.Options.Add(option);
        }

        foreach (var scenario in ScenarioRegistry.All)
        {
            var command = new Command(scenario.Name, scenario.Description);
            command.SetAction((result, cancellationToken) => ExecuteAsync(scenario, result, cancellationToken));
            root.Subcommands.Add(command);
        }

        var serve = new Command(CalibrationServerProcess.CommandName, "Internal: serves the calibration handler for --calibration-server process.") { Hidden = true };
        serve.SetAction((_, cancellationToken) => CalibrationServerProcess.ServeAsync(cancellationToken));
        root.Subcommands.Add(serve);

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await Console.Error.WriteLineAsync("error: " + error.Message);
            }

            await Console.Error.WriteLineAsync($"scenarios: {string.Join(", ", ScenarioRegistry.All.Select(s => s.Name))}. See --help.");
            return ExitCodes.Usage;
        }

        // Ctrl+C or SIGTERM ends the run early but still drains, reports and cleans up; a second Ctrl+C kills.
        using var interrupt = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            if (!interrupt.IsCancellationRequested)
            {
                e.Cancel = true;
                Console.Error.WriteLine("interrupted: finishing in-flight calls, writing results and cleaning up (Ctrl+C again to kill)");
                interrupt.Cancel();
            }
        };
        using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM,
            context =>
            {
                context.Cancel = true;
                interrupt.Cancel();
            });
        return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, interrupt.Token);
    }

    private static async Task<int> ExecuteAsync(IScenario scenario, ParseResult result, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        var options = Bind(scenario, result, errors);
        if (options is null || errors.Count > 0)
        {
            foreach (var error in errors)
            {
                await Console.Error.WriteLineAsync("error: " + error);
            }

            return ExitCodes.Usage;
        }

        return await LoadTestRunner.RunAsync(scenario, options, cancellationToken);
    }

    private static RunOptions? Bind(IScenario scenario, ParseResult r, List<string> errors)
    {
        TimeSpan Time(Option<string> option)
        {
            var text = r.GetValue(option);
            if (!DurationParser.TryParse(text, out var value))
            {
                errors.Add($"{option.Name} '{text}' is not a duration (examples: 30s, 500ms, 2m, 1m30s).");
            }

            return value;
        }

        var hubText = r.GetValue(Hub) ?? string.Empty;
        if (!Uri.TryCreate(hubText, UriKind.Absolute, out var hub) || (hub.Scheme != Uri.UriSchemeHttp && hub.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"--hub '{hubText}' is not an http:// or https:// URL (for the Embedded hub: http://127.0.0.1:5080).");
            hub = null;
        }

        var rateText = r.GetValue(Rate) ?? (scenario is CalibrateScenario ? "max" : "100");
        var findMax = string.Equals(rateText, "max", StringComparison.OrdinalIgnoreCase);
        double? rate = null;
        if (!findMax)
        {
            if (double.TryParse(rateText, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsedRate) && parsedRate > 0 && double.IsFinite(parsedRate))
            {
                rate = parsedRate;
            }
            else
            {
                errors.Add($"--rate '{rateText}' must be a positive number of arrivals per second, or 'max'.");
            }
        }

        var profileText = r.GetValue(Profile) ?? "constant";
        if (!Enum.TryParse<RateProfileKind>(profileText, ignoreCase: true, out var profile) || !Enum.IsDefined(profile))
        {
            errors.Add($"--profile '{profileText}' must be constant, ramp or step.");
        }

        var hostText = r.GetValue(CalibrationServer) ?? "in-process";
        var host = hostText.ToLowerInvariant() switch
        {
            "in-process" or "inprocess" => CalibrationHost.InProcess,
            "process" => CalibrationHost.Process,
            _ => (CalibrationHost?)null,
        };
        if (host is null)
        {
            errors.Add($"--calibration-server '{hostText}' must be in-process or process.");
        }

        var options = new RunOptions
        {
            Scenario = scenario.Name,
            Hub = hub ?? new Uri("http://invalid"),
            Credential = r.GetValue(Credential),
            CredentialFile = r.GetValue(CredentialFile) ?? "data/operator.credential",
            Rate = rate,
            FindMax = findMax,
            RateStart = r.GetValue(RateStart) ?? ((rate ?? 10) / 10),
            Profile = profile,
            Steps = r.GetValue(Steps),
            Duration = Time(Duration),
            Warmup = Time(Warmup),
            Grace = Time(Grace),
            CallTimeout = Time(CallTimeout),
            Connections = r.GetValue(Connections),
            Streams = r.GetValue(Streams),
            Batch = r.GetValue(Batch),
            MaxInFlight = r.GetValue(MaxInFlight),
            Concurrency = r.GetValue(Concurrency),
            Saturation = Time(Saturation),
            Calibrate = r.GetValue(Calibrate),
            MaxP99Ms = r.GetValue(MaxP99),
            MaxErrorRate = r.GetValue(MaxErrorRate),
            MinThroughput = r.GetValue(MinThroughput),
            OutputDirectory = r.GetValue(Out),
            CalibrationHost = host ?? CalibrationHost.InProcess,
            Quiet = r.GetValue(Quiet),
        };
        errors.AddRange(RunOptionsValidator.Validate(options));
        return errors.Count > 0 ? null : options;
    }
}
