using ClearingHouse.Storage.Sqlite;
using ClearingHouse.Storage.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Storage.Tests.Sqlite;

/// <summary>The SQLite migration step on a file made before the CDR feed existed.</summary>
public sealed class SqliteMigrationsTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "clearinghouse-storage-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task RunAsync_CdrsTableWithoutFeedColumn_AddsItAndKeepsTheRows()
    {
        Directory.CreateDirectory(_directory);
        var connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(_directory, "old.db") }.ToString();
        await using (var old = new SqliteConnection(connectionString))
        {
            await old.OpenAsync();
            await using var create = old.CreateCommand();
            create.CommandText = "CREATE TABLE cdrs (cpo_country TEXT NOT NULL, cpo_party TEXT NOT NULL, cdr_id TEXT NOT NULL, emsp_country TEXT NOT NULL, " +
                "emsp_party TEXT NOT NULL, start_time INTEGER NOT NULL, end_time INTEGER NOT NULL, currency TEXT NOT NULL, total_excl TEXT NOT NULL, " +
                "total_incl TEXT NULL, credit INTEGER NOT NULL, credit_reference_id TEXT NULL, tariff_id TEXT NULL, price_check INTEGER NOT NULL, " +
                "hub_price TEXT NULL, received_at INTEGER NOT NULL, ocpi_json TEXT NOT NULL, UNIQUE (cpo_country, cpo_party, cdr_id));" +
                "INSERT INTO cdrs VALUES ('NL', 'ABC', 'OLD1', 'DE', 'XYZ', 0, 0, 'EUR', '1', NULL, 0, NULL, NULL, 0, NULL, 0, '{}');";
            await create.ExecuteNonQueryAsync();
        }

        using (var connections = new SqliteConnectionFactory(Options.Create(new SqliteStorageOptions { ConnectionString = connectionString })))
        {
            var migrations = new SqliteMigrations(connections, OrleansServices.Logger<SqliteMigrations>());
            await migrations.RunAsync();
            await migrations.RunAsync();
        }

        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM pragma_table_info('cdrs') WHERE name = 'feed_seq'";
        Assert.Equal(1L, await command.ExecuteScalarAsync());
        command.CommandText = "SELECT cdr_id, feed_seq FROM cdrs";
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("OLD1", reader.GetString(0));
        // Old rows stay out of the feed.
        Assert.True(reader.IsDBNull(1));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
