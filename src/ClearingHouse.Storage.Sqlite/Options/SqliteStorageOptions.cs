namespace ClearingHouse.Storage.Sqlite;

/// <summary>
/// Settings of the SQLite database the Embedded profile keeps its durable data in: grain state
/// and, later, CDRs share this one file. Bound from configuration section <see cref="SectionName"/>.
/// </summary>
public sealed class SqliteStorageOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Storage:Sqlite";

    /// <summary>
    /// A Microsoft.Data.Sqlite connection string naming a database file, for example
    /// <c>Data Source=data/clearinghouse.db</c>. The folder is created if it does not exist.
    /// Required: configuration key <c>Storage:Sqlite:ConnectionString</c>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// How long a connection waits for another writer (another process, or a checkpoint) to
    /// release the database before failing with SQLITE_BUSY. Defaults to 5 seconds.
    /// </summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
