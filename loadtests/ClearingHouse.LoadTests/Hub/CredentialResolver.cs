using ClearingHouse.LoadTests.Cli;

namespace ClearingHouse.LoadTests.Hub;

/// <summary>Finds the operator credential: --credential, then CLEARINGHOUSE_CREDENTIAL, then --credential-file.</summary>
public static class CredentialResolver
{
    public const string EnvironmentVariable = "CLEARINGHOUSE_CREDENTIAL";

    public static string Resolve(RunOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.Credential))
        {
            return options.Credential.Trim();
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment.Trim();
        }

        var path = Path.GetFullPath(options.CredentialFile);
        if (!File.Exists(path))
        {
            throw new LoadTestSetupException(
                $"no operator credential: pass --credential SECRET, set {EnvironmentVariable}, or point --credential-file at the " +
                $"hub's data/operator.credential (looked for {path}; the hub writes it under the folder it was started from).");
        }

        // The file holds the secret; tolerate a trailing newline and comment lines.
        var secret = File.ReadAllLines(path)
            .Select(l => l.Trim())
            .FirstOrDefault(l => l.Length > 0 && !l.StartsWith('#'));
        return secret ?? throw new LoadTestSetupException($"the credential file {path} is empty.");
    }
}
