using ClearingHouse.Application.Access;
using ClearingHouse.Domain.Credentials;
using ClearingHouse.Server.Options;

namespace ClearingHouse.Server.Identity;

/// <summary>
/// The hub operator's credential: the SHA-256 of its secret. From <c>Identity:OperatorSecretSha256</c>
/// when configured (always in the Cluster profile); otherwise, in the Embedded profile, read from
/// <c>operator.credential</c> in the data directory, which is created on first start readable by its
/// owner only. No secret is ever fixed in code or configuration files shipped with the hub.
/// </summary>
public sealed partial class OperatorCredential : IOperatorCredential
{
    /// <summary>The file name of the Embedded profile's operator secret.</summary>
    public const string FileName = "operator.credential";

    private readonly byte[] _hash;

    private OperatorCredential(byte[] hash, string? path)
    {
        _hash = hash;
        FilePath = path;
    }

    /// <summary>Where the secret was written or read, in the Embedded profile.</summary>
    public string? FilePath { get; }

    /// <summary>Whether a presented operator secret matches.</summary>
    public bool Matches(CredentialSecret secret) => secret.IsOperator && CredentialSecret.HashesEqual(_hash, secret.Hash());

    /// <summary>Loads or, on first start of the Embedded profile, creates the operator credential.</summary>
    public static OperatorCredential Provision(HubSettings settings, ILogger logger)
    {
        if (settings.Identity.OperatorSecretSha256 is { Length: > 0 } configured)
        {
            LogConfigured(logger);
            return new OperatorCredential(Convert.FromHexString(configured), null);
        }

        var directory = Path.GetFullPath(settings.Hub.DataDirectory);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        if (File.Exists(path))
        {
            var text = File.ReadAllText(path).Trim();
            if (!CredentialSecret.TryParse(text, out var existing) || !existing.IsOperator)
            {
                throw new InvalidOperationException($"{path} does not hold an operator credential; delete it to have a new one generated");
            }

            LogRead(logger, path);
            return new OperatorCredential(existing.Hash(), path);
        }

        var secret = CredentialSecret.Generate(party: null);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(path, options))
        {
            writer.WriteLine(secret.Text);
        }

        LogCreated(logger, path);
        return new OperatorCredential(secret.Hash(), path);
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Generated the hub operator credential and wrote it to {Path} (readable by its owner only). Keep it secret; send it as 'authorization: Bearer <secret>'.")]
    private static partial void LogCreated(ILogger logger, string path);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Hub operator credential read from {Path}")]
    private static partial void LogRead(ILogger logger, string path);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Hub operator credential taken from Identity:OperatorSecretSha256")]
    private static partial void LogConfigured(ILogger logger);
}
