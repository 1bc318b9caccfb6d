namespace ClearingHouse.LoadTests.Cli;

/// <summary>The process exit codes a CI or SRE pipeline can gate on.</summary>
public static class ExitCodes
{
    /// <summary>The run completed and every threshold given was met.</summary>
    public const int Passed = 0;

    /// <summary>The run completed and at least one threshold was not met.</summary>
    public const int ThresholdFailed = 1;

    /// <summary>Bad usage, an unreachable hub, a rejected credential, or a failed set-up: nothing was measured.</summary>
    public const int Usage = 2;

    /// <summary>Interrupted (Ctrl+C); the partial results are still written.</summary>
    public const int Interrupted = 130;
}

/// <summary>A failure before or around the measurement that the user must fix (exit code 2).</summary>
public sealed class LoadTestSetupException : Exception
{
    public LoadTestSetupException(string message)
        : base(message)
    {
    }

    public LoadTestSetupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public LoadTestSetupException()
    {
    }
}
