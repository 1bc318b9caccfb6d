namespace ClearingHouse.Cli;

/// <summary>A command line that cannot be carried out as written (exit code 2).</summary>
public sealed class UsageException(string message) : Exception(message);
