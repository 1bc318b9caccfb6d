using System.Globalization;
using ClearingHouse.Server.Tests.Infrastructure;
using Npgsql;

namespace ClearingHouse.Server.Tests.Faults;

/// <summary>
/// Two Cluster-profile silos as separate OS processes on one new PostgreSQL database (membership and state) and the
/// shared test Redis (caches), for fault tests that kill, stop or restart one of them. Silo A starts first (so the
/// singletons the test touches first, such as the party registry, live on it); B joins on demand.
/// </summary>
public sealed class TwoSiloCluster : IAsyncDisposable
{
    private readonly List<TempDirectory> _directories = [];
    private readonly List<HubProcess> _processes = [];

    private TwoSiloCluster(string postgres, string clusterId, HubProcess.Settings a, HubProcess.Settings b)
    {
        Postgres = postgres;
        ClusterId = clusterId;
        SettingsA = a;
        SettingsB = b;
    }

    /// <summary>The cluster's database.</summary>
    public string Postgres { get; }

    /// <summary>Silo:ClusterId.</summary>
    public string ClusterId { get; }

    /// <summary>Silo A's settings (also for a restart on the same ports).</summary>
    public HubProcess.Settings SettingsA { get; }

    /// <summary>Silo B's settings: A's with ports of its own and its own data directory.</summary>
    public HubProcess.Settings SettingsB { get; }

    /// <summary>The operator's secret, the same on both.</summary>
    public string OperatorSecret => SettingsA.OperatorSecret!;

    /// <summary>Creates the database and both silos' settings (nothing is started yet).</summary>
    public static async Task<TwoSiloCluster> CreateAsync(IReadOnlyDictionary<string, string>? extra = null)
    {
        var postgres = await TestServices.CreateDatabaseAsync();
        var clusterId = $"ch-fault-{Guid.NewGuid():N}";
        var dataA = new TempDirectory();
        var dataB = new TempDirectory();
        var a = HubProcess.Settings.Cluster(dataA.Path, clusterId, postgres);
        var values = new Dictionary<string, string>(a.Values);
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            values[key] = value;
        }

        a = a with { Values = new Dictionary<string, string>(values) };
        values["Hub:DataDirectory"] = dataB.Path;
        foreach (var port in new[] { "Hub:GrpcPort", "Hub:MetricsPort", "Silo:SiloPort", "Silo:GatewayPort" })
        {
            values[port] = HubHost.FreePort().ToString(CultureInfo.InvariantCulture);
        }

        var cluster = new TwoSiloCluster(postgres, clusterId, a, a with { Values = values });
        cluster._directories.AddRange([dataA, dataB]);
        return cluster;
    }

    /// <summary>Starts a silo with <paramref name="settings"/> (disposed with the cluster).</summary>
    public async Task<HubProcess> StartAsync(HubProcess.Settings settings)
    {
        var hub = await HubProcess.StartAsync(settings);
        _processes.Add(hub);
        return hub;
    }

    /// <summary>
    /// Waits until the membership table in PostgreSQL lists <paramref name="expected"/> silos as Active (Orleans'
    /// status 3), at most <paramref name="timeout"/>; returns how many it lists then.
    /// </summary>
    public async Task<int> WaitForActiveSilosAsync(int expected, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var count = -1;
        while (!cts.IsCancellationRequested)
        {
            count = (await MembersAsync()).Count(m => m.Status == 3);
            if (count == expected)
            {
                return count;
            }

            await Task.Delay(50, CancellationToken.None);
        }

        return count;
    }

    /// <summary>The membership rows of this cluster: silo port and Orleans status (3 Active, 6 Dead, ...).</summary>
    public async Task<IReadOnlyList<(int Port, int Generation, int Status)>> MembersAsync()
    {
        await using var connection = new NpgsqlConnection(Postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT port, generation, status FROM orleans_cluster_members WHERE deployment_id = $1", connection)
        {
            Parameters = { new NpgsqlParameter<string> { TypedValue = ClusterId } },
        };
        var rows = new List<(int, int, int)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2)));
        }

        return rows;
    }

    /// <summary>
    /// Waits until the membership table says the silo on <paramref name="siloPort"/> is dead (status 6) and returns
    /// when that was seen.
    /// </summary>
    public async Task WaitUntilDeclaredDeadAsync(string siloPort, TimeSpan timeout)
    {
        var port = int.Parse(siloPort, CultureInfo.InvariantCulture);
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var rows = await MembersAsync();
            if (rows.Where(m => m.Port == port).OrderByDescending(m => m.Generation).FirstOrDefault().Status == 6)
            {
                return;
            }

            await Task.Delay(20, cts.Token);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        await TestServices.DropDatabaseAsync(Postgres);
        foreach (var directory in _directories)
        {
            directory.Dispose();
        }
    }
}
