using ClearingHouse.Storage.Postgres;
using ClearingHouse.Storage.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ClearingHouse.Storage.Tests.Postgres;

/// <summary>The PostgreSQL migration step: idempotent, and it gives Orleans' ADO.NET clustering every statement it reads.</summary>
public sealed class PostgresMigrationsTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    // The keys Microsoft.Orleans.Clustering.AdoNet 10.4.2 reads from OrleansQuery.
    private static readonly string[] ClusteringKeys =
    [
        "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey", "UpdateIAmAlivetimeKey",
        "MembershipReadRowKey", "MembershipReadAllKey", "GatewaysQueryKey", "DeleteMembershipTableEntriesKey",
        "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey",
    ];

    [Fact]
    public async Task RunAsync_AgainAndFromManySilosAtOnce_AllSucceedAndEveryClusteringStatementIsThere()
    {
        await using var connections = new PostgresConnectionFactory(Options.Create(new PostgresStorageOptions { ConnectionString = database.ConnectionString }));
        var migrations = new PostgresMigrations(connections, OrleansServices.Logger<PostgresMigrations>());

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => migrations.RunAsync()));

        await using var connection = await connections.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT QueryKey FROM OrleansQuery", connection);
        var keys = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                keys.Add(reader.GetString(0));
            }
        }

        Assert.Empty(ClusteringKeys.Except(keys));
    }

    [Fact]
    public async Task MembershipStatements_VersionMovedByAnother_WriteRefused()
    {
        await using var connections = new PostgresConnectionFactory(Options.Create(new PostgresStorageOptions { ConnectionString = database.ConnectionString }));
        var deployment = "test-" + Guid.NewGuid().ToString("N");
        var now = DateTime.UtcNow;

        Assert.Equal(1, await RunAsync(connections, "InsertMembershipVersionKey", new() { ["DeploymentId"] = deployment }));
        Assert.Equal(0, await RunAsync(connections, "InsertMembershipVersionKey", new() { ["DeploymentId"] = deployment }));
        var silo = new Dictionary<string, object?>
        {
            ["DeploymentId"] = deployment, ["Address"] = "127.0.0.1", ["Port"] = 11111, ["Generation"] = 1, ["SiloName"] = "a",
            ["HostName"] = "h", ["Status"] = 3, ["ProxyPort"] = 30000, ["StartTime"] = now, ["IAmAliveTime"] = now, ["Version"] = 0,
        };
        Assert.Equal(1, await RunAsync(connections, "InsertMembershipKey", silo));
        // A second writer that read version 0 loses: the table is at version 1 now.
        Assert.Equal(0, await RunAsync(connections, "UpdateMembershipKey", new(silo) { ["SuspectTimes"] = null }));
        Assert.Equal(1, await RunAsync(connections, "UpdateMembershipKey", new(silo) { ["SuspectTimes"] = null, ["Version"] = 1, ["Status"] = 6 }));
    }

    private static async Task<int> RunAsync(PostgresConnectionFactory connections, string key, Dictionary<string, object?> parameters)
    {
        await using var connection = await connections.OpenConnectionAsync();
        string text;
        await using (var query = new NpgsqlCommand("SELECT QueryText FROM OrleansQuery WHERE QueryKey = @k", connection))
        {
            query.Parameters.AddWithValue("k", key);
            text = (string)(await query.ExecuteScalarAsync())!;
        }

        await using var command = new NpgsqlCommand(text, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
