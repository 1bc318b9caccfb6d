using ClearingHouse.Storage.Postgres;
using ClearingHouse.Storage.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ClearingHouse.Storage.Tests.Postgres;

/// <summary>
/// A schema of its own per test class, with the hub's tables (its migration step, as a silo runs it at start), on the real PostgreSQL server named by
/// CLEARINGHOUSE_TEST_POSTGRES, dropped afterwards. Without the variable the tests fail: a backend
/// test that skips hides a missing install step.
/// </summary>
public sealed class PostgresDatabaseFixture : IAsyncLifetime
{
    public const string EnvironmentVariable = "CLEARINGHOUSE_TEST_POSTGRES";

    private string? _serverConnectionString;

    public string Schema { get; } = "storage_test_" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>A connection string whose search path is this fixture's schema.</summary>
    public string ConnectionString { get; private set; } = string.Empty;

    public static string ServerConnectionString()
    {
        var value = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException(
                $"{EnvironmentVariable} is not set. These tests need a real PostgreSQL server: run " +
                "`eval \"$(scripts/services.sh start)\"` in the repository root, then `dotnet test` again.");
        }

        return value;
    }

    public async Task InitializeAsync()
    {
        _serverConnectionString = ServerConnectionString();
        await using (var connection = new NpgsqlConnection(_serverConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE SCHEMA \"{Schema}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        ConnectionString = new NpgsqlConnectionStringBuilder(_serverConnectionString) { SearchPath = Schema }.ToString();
        await using var connections = new PostgresConnectionFactory(Options.Create(new PostgresStorageOptions { ConnectionString = ConnectionString }));
        await new PostgresMigrations(connections, OrleansServices.Logger<PostgresMigrations>()).RunAsync();
    }

    public async Task DisposeAsync()
    {
        if (_serverConnectionString is null)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_serverConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{Schema}\" CASCADE", connection);
        await command.ExecuteNonQueryAsync();
    }
}
