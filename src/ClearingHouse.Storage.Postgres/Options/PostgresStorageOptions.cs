namespace ClearingHouse.Storage.Postgres;

/// <summary>
/// Settings of the PostgreSQL database the Cluster profile keeps its durable data in: grain state
/// and, later, CDRs share this database. Bound from configuration section <see cref="SectionName"/>.
/// </summary>
public sealed class PostgresStorageOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Storage:Postgres";

    /// <summary>
    /// An Npgsql connection string, for example
    /// <c>Host=db;Port=5432;Username=clearinghouse;Database=clearinghouse</c>. Tables are created in
    /// the first schema of the connection's search path. Required: configuration key
    /// <c>Storage:Postgres:ConnectionString</c>.
    /// </summary>
    public string? ConnectionString { get; set; }
}
