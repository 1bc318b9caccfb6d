namespace ClearingHouse.Server.Options;

/// <summary>The co-hosted Orleans silo (configuration section <c>Silo</c>).</summary>
public sealed class SiloOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Silo";

    /// <summary>The cluster this silo joins; silos with the same id form one cluster (default <c>clearinghouse</c>).</summary>
    public string ClusterId { get; set; } = "clearinghouse";

    /// <summary>The service id; grain state belongs to it and survives new cluster ids (default <c>clearinghouse</c>).</summary>
    public string ServiceId { get; set; } = "clearinghouse";

    /// <summary>Silo-to-silo port (default 11111). Each silo on one machine needs its own.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Orleans client gateway port (default 30000). Each silo on one machine needs its own.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos reach this one on (Cluster profile; default 127.0.0.1).</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// How long a silo waits for another silo to answer a liveness probe at first, and how often it probes (Cluster
    /// profile; default 1 s; 200 ms to 60 s). Orleans adapts both per silo to the answers it sees, between half and four
    /// times this, so a slow but live silo gets more time. With <see cref="MissedProbesLimit"/> it sets how soon a dead
    /// silo is declared dead, after which its grains re-activate on the survivors (docs/operations.md). Orleans' own
    /// default is 5 s, which took 12-15 s to declare a killed silo dead.
    /// </summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Missed probes in a row after which a silo votes another dead (Cluster profile; default 3; 2 to 10). Fewer declare
    /// a dead silo sooner but a paused one (a long GC, a starved machine) dead by mistake: such a silo then stops and
    /// must be restarted.
    /// </summary>
    public int MissedProbesLimit { get; set; } = 3;

    /// <summary>
    /// Whether a grain call whose silo refuses connections is held until membership has moved on and then sent again,
    /// instead of failing Unavailable at once (Cluster profile; default true; <c>FailoverRetryFilter</c>,
    /// docs/operations.md). Such a call was never sent, so sending it again is safe.
    /// </summary>
    public bool HoldCallsDuringFailover { get; set; } = true;
}

/// <summary>
/// Redis, the Cluster profile's cache (configuration section <c>Redis</c>). Optional: without it the token and
/// location snapshot caches are off and reads go to the grains and PostgreSQL. Nothing whose loss changes a result
/// lives in Redis (cluster membership is in PostgreSQL), so a Redis outage, restart or flush changes no answer.
/// </summary>
public sealed class RedisOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Redis";

    /// <summary>A StackExchange.Redis configuration string, for example <c>127.0.0.1:6379</c>, for the caches.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Where the caches live when not at <see cref="ConnectionString"/> (Cluster profile). The caches may be down
    /// without harm: reads then go to the grains.
    /// </summary>
    public string? CacheConnectionString { get; set; }

    /// <summary>The caches' Redis: <see cref="CacheConnectionString"/>, else <see cref="ConnectionString"/>, else none.</summary>
    public string? CacheConnection =>
        !string.IsNullOrWhiteSpace(CacheConnectionString) ? CacheConnectionString
        : !string.IsNullOrWhiteSpace(ConnectionString) ? ConnectionString
        : null;
}

/// <summary>Durable storage settings (configuration section <c>Storage</c>).</summary>
public sealed class StorageOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Storage";

    /// <summary>Settings of the SQLite store (Embedded profile).</summary>
    public SqliteSettings Sqlite { get; set; } = new();

    /// <summary>Settings of the PostgreSQL store (Cluster profile).</summary>
    public PostgresSettings Postgres { get; set; } = new();

    /// <summary>SQLite settings.</summary>
    public sealed class SqliteSettings
    {
        /// <summary>A Microsoft.Data.Sqlite connection string; default: <c>clearinghouse.db</c> in the data directory.</summary>
        public string? ConnectionString { get; set; }
    }

    /// <summary>PostgreSQL settings.</summary>
    public sealed class PostgresSettings
    {
        /// <summary>An Npgsql connection string. Required in the Cluster profile.</summary>
        public string? ConnectionString { get; set; }
    }
}
