namespace ClearingHouse.Server.Options;

/// <summary>Which set of backing services the hub runs on.</summary>
public enum HubProfile
{
    /// <summary>One silo, no external service: SQLite under <see cref="HubOptions.DataDirectory"/>.</summary>
    Embedded = 1,

    /// <summary>Several silos: PostgreSQL membership and durable state, Redis caches (optional).</summary>
    Cluster = 2,
}

/// <summary>The server as a whole (configuration section <c>Hub</c>).</summary>
public sealed class HubOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Hub";

    /// <summary>Embedded (default) or Cluster.</summary>
    public HubProfile Profile { get; set; } = HubProfile.Embedded;

    /// <summary>
    /// Where the Embedded profile keeps its SQLite database and the operator credential (default
    /// <c>data</c>, relative to the working directory).
    /// </summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>The address Kestrel listens on (default 127.0.0.1).</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>The gRPC port (default 5080; 0 picks a free port, for tests).</summary>
    public int GrpcPort { get; set; } = 5080;

    /// <summary>The Prometheus scrape port, serving <c>/metrics</c> (default 9464; 0 turns it off).</summary>
    public int MetricsPort { get; set; } = 9464;

    /// <summary>The largest request message accepted; larger ones get ResourceExhausted (default 4 MiB).</summary>
    public int MaxReceiveMessageBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>A PKCS#12 certificate file; when set, the gRPC port serves TLS instead of h2c.</summary>
    public string? TlsCertificatePath { get; set; }

    /// <summary>The password of <see cref="TlsCertificatePath"/>, if any.</summary>
    public string? TlsCertificatePassword { get; set; }

    /// <summary>How long a graceful shutdown may take before calls are cut (default 30 s).</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
