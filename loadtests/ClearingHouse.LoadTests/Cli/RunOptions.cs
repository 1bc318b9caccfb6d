namespace ClearingHouse.LoadTests.Cli;

/// <summary>How the arrival rate moves over the measured part of a run.</summary>
public enum RateProfileKind
{
    /// <summary>The target rate from start to end.</summary>
    Constant,

    /// <summary>Linearly from <see cref="RunOptions.RateStart"/> to <see cref="RunOptions.Rate"/>.</summary>
    Ramp,

    /// <summary>In <see cref="RunOptions.Steps"/> equal steps from <see cref="RunOptions.RateStart"/> to <see cref="RunOptions.Rate"/>.</summary>
    Step,
}

/// <summary>Everything one invocation was asked to do, parsed and validated.</summary>
public sealed record RunOptions
{
    /// <summary>The scenario's name, as in the registry.</summary>
    public required string Scenario { get; init; }

    /// <summary>The hub's gRPC address (h2c or TLS).</summary>
    public required Uri Hub { get; init; }

    /// <summary>The operator credential given with --credential or the environment, if any.</summary>
    public string? Credential { get; init; }

    /// <summary>Where to read the operator credential when none was given directly.</summary>
    public required string CredentialFile { get; init; }

    /// <summary>Target arrivals per second; null when <see cref="FindMax"/>.</summary>
    public double? Rate { get; init; }

    /// <summary>Find the maximum sustainable rate (closed loop), then run open at half of it.</summary>
    public bool FindMax { get; init; }

    /// <summary>Start rate of a ramp or step profile.</summary>
    public double RateStart { get; init; }

    /// <summary>How the rate moves over the run.</summary>
    public RateProfileKind Profile { get; init; }

    /// <summary>Number of steps of a step profile.</summary>
    public int Steps { get; init; }

    /// <summary>Measured time, after the warm-up.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Time at the start of the run whose results are excluded.</summary>
    public TimeSpan Warmup { get; init; }

    /// <summary>How long in-flight calls may finish after the last arrival before they are cancelled.</summary>
    public TimeSpan Grace { get; init; }

    /// <summary>Deadline of each call.</summary>
    public TimeSpan CallTimeout { get; init; }

    /// <summary>Number of gRPC channels, each its own HTTP/2 connection.</summary>
    public int Connections { get; init; }

    /// <summary>Streams per connection, for streaming scenarios.</summary>
    public int Streams { get; init; }

    /// <summary>Items per message, for streaming scenarios that batch (status-storm: status updates per message).</summary>
    public int Batch { get; init; } = 1;

    /// <summary>Calls in flight at most; an arrival above it is counted as dropped.</summary>
    public int MaxInFlight { get; init; }

    /// <summary>In-flight calls per connection of the closed-loop saturation run of --rate max.</summary>
    public int Concurrency { get; init; }

    /// <summary>Measured time of the closed-loop saturation run of --rate max.</summary>
    public TimeSpan Saturation { get; init; }

    /// <summary>Also run the calibration first and state the results as ratios of it.</summary>
    public bool Calibrate { get; init; }

    /// <summary>Threshold: p99 latency in milliseconds.</summary>
    public double? MaxP99Ms { get; init; }

    /// <summary>Threshold: (errors + dropped) / arrivals.</summary>
    public double? MaxErrorRate { get; init; }

    /// <summary>Threshold: successful calls per second over the measured time.</summary>
    public double? MinThroughput { get; init; }

    /// <summary>Where the results go; null for loadtest-results/&lt;scenario&gt;-&lt;utc&gt;/.</summary>
    public string? OutputDirectory { get; init; }

    /// <summary>Where the calibration's empty handler runs.</summary>
    public Calibration.CalibrationHost CalibrationHost { get; init; }

    /// <summary>No live progress lines.</summary>
    public bool Quiet { get; init; }
}
