using System.CommandLine;

namespace ClearingHouse.Cli;

/// <summary>Options every command takes: where the hub is, who the caller is, how to print.</summary>
public sealed class GlobalOptions
{
    /// <summary>The default hub address.</summary>
    public const string DefaultHub = "http://127.0.0.1:5080";

    /// <summary>The hub's gRPC address.</summary>
    public Option<string> Hub { get; } = new("--hub")
    {
        Description = $"The hub's gRPC address (env CLEARINGHOUSE_HUB; default {DefaultHub})",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CLEARINGHOUSE_HUB") ?? DefaultHub,
    };

    /// <summary>The caller's secret.</summary>
    public Option<string?> Credential { get; } = new("--credential")
    {
        Description = "The caller's secret (env CLEARINGHOUSE_CREDENTIAL). Default: --credential-file",
        Recursive = true,
    };

    /// <summary>A file holding the caller's secret.</summary>
    public Option<string?> CredentialFile { get; } = new("--credential-file")
    {
        Description = "A file holding the caller's secret (default: ./data/operator.credential when it exists)",
        Recursive = true,
    };

    /// <summary>Machine-readable output.</summary>
    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print JSON (one object per result) instead of tables",
        Recursive = true,
    };

    /// <summary>Adds the options to the root command.</summary>
    public void AddTo(RootCommand root)
    {
        root.Options.Add(Hub);
        root.Options.Add(Credential);
        root.Options.Add(CredentialFile);
        root.Options.Add(Json);
    }
}
