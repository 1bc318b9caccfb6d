using ClearingHouse.Storage.Sqlite;
using ClearingHouse.Storage.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Storage.Tests.Sqlite;

/// <summary>A fresh SQLite file per test class with the hub's schema (its migration step, as a silo runs it at start), deleted (with its WAL files) afterwards.</summary>
public sealed class SqliteFileFixture : IAsyncLifetime
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

    public async Task InitializeAsync()
    {
        using var connections = new SqliteConnectionFactory(Options.Create(new SqliteStorageOptions { ConnectionString = ConnectionString }));
        await new SqliteMigrations(connections, OrleansServices.Logger<SqliteMigrations>()).RunAsync();
    }

    public Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }

        return Task.CompletedTask;
    }
}
