using Npgsql;

namespace ClearingHouse.Server.Tests.Infrastructure;

/// <summary>
/// The real Redis and PostgreSQL the Cluster-profile tests use, as started by scripts/services.sh.
/// A missing server fails the test with instructions: backend tests never skip.
/// </summary>
public static class TestServices
{
    /// <summary>The Redis configuration string.</summary>
    public static string Redis => Require("CLEARINGHOUSE_TEST_REDIS");

    /// <summary>The PostgreSQL connection string of the test database server.</summary>
    public static string Postgres => Require("CLEARINGHOUSE_TEST_POSTGRES");

    /// <summary>Creates a new, empty database and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var name = $"ch_test_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(Postgres))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(Postgres) { Database = name }.ConnectionString;
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/>.</summary>
    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    private static string Require(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{variable} is not set. Run the tests with scripts/test.sh, or start the services with eval \"$(scripts/services.sh start)\".");
}
