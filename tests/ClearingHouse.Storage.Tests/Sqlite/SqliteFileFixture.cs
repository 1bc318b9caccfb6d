using Microsoft.Data.Sqlite;

namespace ClearingHouse.Storage.Tests.Sqlite;

/// <summary>A fresh SQLite file per test class, deleted (with its WAL files) afterwards.</summary>
public sealed class SqliteFileFixture : IDisposable
{
    public SqliteFileFixture()
    {
        Directory = Path.Combine(Path.GetTempPath(), "clearinghouse-storage-tests", Guid.NewGuid().ToString("N"));
        // The folder does not exist yet on purpose: the connection factory must create it.
        FilePath = Path.Combine(Directory, "clearinghouse.db");
        ConnectionString = new SqliteConnectionStringBuilder { DataSource = FilePath }.ToString();
    }

    public string Directory { get; }

    public string FilePath { get; }

    public string ConnectionString { get; }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
