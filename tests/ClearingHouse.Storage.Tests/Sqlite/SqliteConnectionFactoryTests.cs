using ClearingHouse.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Storage.Tests.Sqlite;

/// <summary>The connection factory on a real SQLite file: pragmas on every connection, and the writers' shared connection.</summary>
public sealed class SqliteConnectionFactoryTests : IClassFixture<SqliteFileFixture>, IDisposable
{
    private readonly SqliteConnectionFactory _connections;

    public SqliteConnectionFactoryTests(SqliteFileFixture file)
    {
        _connections = new SqliteConnectionFactory(Options.Create(new SqliteStorageOptions
        {
            ConnectionString = file.ConnectionString,
            BusyTimeout = TimeSpan.FromMilliseconds(4321),
        }));
    }

    [Fact]
    public async Task OpenConnectionAsync_AnyConnection_HasThePragmas()
    {
        await using var connection = await _connections.OpenConnectionAsync();

        Assert.Equal(4321L, await ScalarAsync(connection, "PRAGMA busy_timeout"));
        Assert.Equal(2L, await ScalarAsync(connection, "PRAGMA synchronous"));
        Assert.Equal(1L, await ScalarAsync(connection, "PRAGMA foreign_keys"));
    }

    [Fact]
    public async Task ExecuteWriteAsync_SuccessiveWrites_ShareOneConnectionWithThePragmas()
    {
        var first = await _connections.ExecuteWriteAsync((connection, _) => Task.FromResult(connection));
        var second = await _connections.ExecuteWriteAsync(async (connection, ct) =>
        {
            Assert.Equal(2L, await ScalarAsync(connection, "PRAGMA synchronous"));
            return connection;
        });

        Assert.Same(first, second);
    }

    [Fact]
    public async Task ExecuteWriteAsync_WriteThrew_NextWriteGetsAFreshConnection()
    {
        var failed = default(SqliteConnection);
        await Assert.ThrowsAsync<InvalidOperationException>(() => _connections.ExecuteWriteAsync<int>((connection, _) =>
        {
            failed = connection;
            throw new InvalidOperationException("boom");
        }));

        var next = await _connections.ExecuteWriteAsync((connection, _) => Task.FromResult(connection));

        Assert.NotSame(failed, next);
    }

    [Fact]
    public async Task ExecuteWriteAsync_WriteLeftATransactionOpen_RolledBackAndNextWriteGetsAFreshConnection()
    {
        await _connections.ExecuteWriteAsync(async (connection, ct) =>
        {
            await ExecuteAsync(connection, "CREATE TABLE IF NOT EXISTS left_open (id INTEGER PRIMARY KEY)");
            return 0;
        });
        var leaky = await _connections.ExecuteWriteAsync(async (connection, ct) =>
        {
            await ExecuteAsync(connection, "BEGIN IMMEDIATE; INSERT INTO left_open (id) VALUES (1)");
            return connection;
        });

        var (next, rows) = await _connections.ExecuteWriteAsync(async (connection, ct) =>
            (connection, await ScalarAsync(connection, "SELECT count(*) FROM left_open")));

        Assert.NotSame(leaky, next);
        Assert.Equal(0L, rows);
    }

    public void Dispose() => _connections.Dispose();

    private static async Task<long> ScalarAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
