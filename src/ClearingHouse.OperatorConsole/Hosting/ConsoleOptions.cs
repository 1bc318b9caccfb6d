namespace ClearingHouse.OperatorConsole.Hosting;

/// <summary>The operator web console, section <c>Console</c>.</summary>
public sealed record ConsoleOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Console";

    /// <summary>
    /// Whether the hub serves the console. Null: on in the Embedded profile, off in the Cluster profile (enable it on
    /// one silo, or on each behind a sticky load balancer: a session is signed with that silo's data-protection keys).
    /// </summary>
    public bool? Enabled { get; init; }

    /// <summary>The address the console listens on (default 127.0.0.1).</summary>
    public string ListenAddress { get; init; } = "127.0.0.1";

    /// <summary>The console's TCP port (default 5090), HTTP/1.1.</summary>
    public int Port { get; init; } = 5090;

    /// <summary>A PKCS#12 certificate file: the console serves HTTPS with it (and its cookies are Secure). Without one, plain HTTP.</summary>
    public string? TlsCertificatePath { get; init; }

    /// <summary>The certificate file's password, if any.</summary>
    public string? TlsCertificatePassword { get; init; }

    /// <summary>How long a sign-in lasts (default 8 hours); then the operator signs in again.</summary>
    public TimeSpan SessionLifetime { get; init; } = TimeSpan.FromHours(8);

    /// <summary>The rows a list page shows unless asked otherwise (default 50).</summary>
    public int DefaultPageSize { get; init; } = 50;

    /// <summary>The most rows a list page shows (default 200); a larger size asked for is refused with a message.</summary>
    public int MaxPageSize { get; init; } = 200;
}
