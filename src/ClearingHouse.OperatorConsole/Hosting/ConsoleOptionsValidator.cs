using System.Net;
using Microsoft.Extensions.Options;

namespace ClearingHouse.OperatorConsole.Hosting;

/// <summary>Fails start-up on a <see cref="ConsoleOptions"/> setting out of range, naming it.</summary>
public sealed class ConsoleOptionsValidator : IValidateOptions<ConsoleOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ConsoleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!IPAddress.TryParse(options.ListenAddress, out _))
        {
            failures.Add($"Console:ListenAddress '{options.ListenAddress}' is not an IP address");
        }

        if (options.Port is < 1 or > 65535)
        {
            failures.Add("Console:Port must be between 1 and 65535");
        }

        if (options.TlsCertificatePath is { Length: > 0 } path && !File.Exists(path))
        {
            failures.Add($"Console:TlsCertificatePath '{path}' does not exist");
        }

        if (options.SessionLifetime < TimeSpan.FromMinutes(1) || options.SessionLifetime > TimeSpan.FromDays(7))
        {
            failures.Add("Console:SessionLifetime must be between 1 minute and 7 days");
        }

        if (options.MaxPageSize is < 1 or > 1000)
        {
            failures.Add("Console:MaxPageSize must be between 1 and 1000");
        }

        if (options.DefaultPageSize < 1 || options.DefaultPageSize > options.MaxPageSize)
        {
            failures.Add("Console:DefaultPageSize must be between 1 and Console:MaxPageSize");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
