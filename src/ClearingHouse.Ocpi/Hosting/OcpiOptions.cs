namespace ClearingHouse.Ocpi.Hosting;

/// <summary>The OCPI 2.2.1 interface (hub role), section <c>Ocpi</c>.</summary>
public sealed record OcpiOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Ocpi";

    /// <summary>
    /// Whether the hub serves OCPI. Null: on in the Embedded profile, off in the Cluster profile (where each silo
    /// would need its own port and a load balancer in front).
    /// </summary>
    public bool? Enabled { get; init; }

    /// <summary>The address the OCPI endpoint listens on (default 127.0.0.1).</summary>
    public string ListenAddress { get; init; } = "127.0.0.1";

    /// <summary>The OCPI endpoint's TCP port (default 5088): HTTP/1.1, and HTTP/2 too with TLS.</summary>
    public int Port { get; init; } = 5088;

    /// <summary>A PKCS#12 certificate file: the endpoint serves HTTPS with it. Without one, plain HTTP.</summary>
    public string? TlsCertificatePath { get; init; }

    /// <summary>The certificate file's password, if any.</summary>
    public string? TlsCertificatePassword { get; init; }

    /// <summary>
    /// The address partners reach this endpoint on (e.g. <c>https://hub.example.com</c>), used in every URL the hub
    /// hands out (versions, endpoints, paging links). Default: the scheme, listen address and port.
    /// </summary>
    public string? PublicUrl { get; init; }

    /// <summary>The hub's own OCPI country code (ISO 3166-1 alpha-2), in its credentials and routing headers.</summary>
    public string CountryCode { get; init; } = "NL";

    /// <summary>The hub's own OCPI party id (3 upper-case letters or digits).</summary>
    public string PartyId { get; init; } = "CHH";

    /// <summary>The hub's business name in its credentials.</summary>
    public string BusinessName { get; init; } = "ClearingHouse";

    /// <summary>Requests with a larger body are refused (HTTP 413); default 1 MiB.</summary>
    public int MaxRequestBodyBytes { get; init; } = 1024 * 1024;

    /// <summary>The most objects one page of a GET list returns (X-Limit); default 100.</summary>
    public int MaxPageSize { get; init; } = 100;

    /// <summary>How long the hub waits for a partner's endpoint (versions, details) before giving up; default 10 s.</summary>
    public TimeSpan PartnerTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The largest answer the hub reads from a partner's endpoint; default 256 KiB.</summary>
    public int MaxPartnerResponseBytes { get; init; } = 256 * 1024;

    /// <summary>
    /// Whether partner URLs may be plain <c>http://</c> (default false: only <c>https://</c>). For tests and local
    /// demos; a partner's token travels in every call the hub makes to it.
    /// </summary>
    public bool AllowInsecurePartnerUrls { get; init; }

    /// <summary>
    /// A second cleartext port on <see cref="ListenAddress"/> that serves OCPI over HTTP/2 with prior knowledge (h2c)
    /// only; null (default): none. Kestrel picks HTTP/2 on a cleartext port only when the port serves nothing else
    /// (without TLS there is no ALPN to choose by), so h2c beside HTTP/1.1 needs its own port. Ignored with TLS, where
    /// <see cref="Port"/> negotiates HTTP/2 itself.
    /// </summary>
    public int? H2cPort { get; init; }

    /// <summary>
    /// The hosts the hub may call for partners (versions URL at registration, every endpoint URL a partner lists, the
    /// response_url of a command or charging profile): exact host names or IP addresses, or <c>*.example.com</c> for
    /// any subdomain of example.com. Empty (default): any host, except that in the Embedded profile only loopback
    /// (<c>localhost</c>, 127.0.0.0/8, ::1) is allowed unless hosts are listed.
    /// </summary>
    public IReadOnlyList<string> PartnerHosts { get; init; } = [];

    /// <summary>The address the endpoint listens on, and its scheme, as a URL.</summary>
    public Uri BaseUrl => new(PublicUrl is { Length: > 0 } url
        ? url.TrimEnd('/')
        : $"{(TlsCertificatePath is { Length: > 0 } ? "https" : "http")}://{ListenAddress}:{Port}");
}
