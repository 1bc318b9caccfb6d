using ClearingHouse.Grains.Credentials;
using ClearingHouse.Application.Access;
using ClearingHouse.Application.Hosting;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Hosting;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Grains.Operations;
using ClearingHouse.Grains.Parties;
using ClearingHouse.Grains.Sessions;
using ClearingHouse.Grains.Tariffs;
using ClearingHouse.Grains.Tokens;
using ClearingHouse.Storage.Sqlite;
using ClearingHouse.Storage.Sqlite.Cdrs;
using ClearingHouse.Storage.Sqlite.Locations;
using ClearingHouse.Storage.Sqlite.Operations;
using ClearingHouse.Storage.Sqlite.Sessions;
using ClearingHouse.Storage.Sqlite.Tariffs;
using ClearingHouse.Storage.Sqlite.Tokens;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace ClearingHouse.Application.Tests.Infrastructure;

/// <summary>
/// A real in-process Orleans cluster (TestingHost) running the grains and the application core on the
/// Embedded profile's SQLite stores, in a fresh temporary folder. Core tests resolve core services from a
/// silo's container (<see cref="Services"/>) and call them as an edge would, with no gRPC in between.
/// </summary>
/// <remarks>Use it as a class fixture (<c>IClassFixture&lt;CoreCluster&gt;</c>) or create one per test with
/// <see cref="StartAsync"/> when a test needs its own silos (e.g. to kill one).</remarks>
public sealed class CoreCluster : IAsyncLifetime
{
    private readonly short _silos;
    private readonly Action<IServiceCollection>? _configure;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ch-core-" + Guid.NewGuid().ToString("N")[..12]);
    private InProcessTestCluster? _cluster;

    /// <summary>A one-silo cluster (the xunit fixture constructor).</summary>
    public CoreCluster()
        : this(1)
    {
    }

    /// <summary>A cluster of <paramref name="silos"/> silos sharing one SQLite file.</summary>
    private CoreCluster(short silos, Action<IServiceCollection>? configure = null) => (_silos, _configure) = (silos, configure);

    /// <summary>The running cluster.</summary>
    public InProcessTestCluster Cluster => _cluster ?? throw new InvalidOperationException("the cluster is not started");

    /// <summary>A client's grain factory.</summary>
    public IGrainFactory Grains => Cluster.Client;

    /// <summary>The container of silo <paramref name="silo"/> (0-based), to resolve core services from.</summary>
    public IServiceProvider Services(int silo = 0) => Cluster.Silos[silo].ServiceProvider;

    /// <summary>A core service of silo <paramref name="silo"/>.</summary>
    public T Get<T>(int silo = 0)
        where T : notnull => Services(silo).GetRequiredService<T>();

    /// <summary>Starts a cluster of <paramref name="silos"/> silos; <paramref name="configure"/> adds to each silo's services last (e.g. a fake clock).</summary>
    public static async Task<CoreCluster> StartAsync(short silos, Action<IServiceCollection>? configure = null)
    {
        var cluster = new CoreCluster(silos, configure);
        await cluster.InitializeAsync();
        return cluster;
    }

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        var database = $"Data Source={Path.Combine(_directory, "clearinghouse.db")}";
        var builder = new InProcessTestClusterBuilder(_silos);
        builder.ConfigureSilo((_, silo) => silo.AddClearingHouseSqliteStorage(o => o.ConnectionString = database));
        builder.ConfigureSiloHost((_, host) =>
        {
            // Quick directory refreshes so that registry changes reach the core within a test's patience.
            host.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Directory:RefreshInterval"] = "00:00:00.200" });
            var services = host.Services;
            services.AddClearingHouseGrains(host.Configuration);
            services.AddClearingHouseApplication(host.Configuration);
            services.AddSingleton<ILocationStore>(sp => new SqliteLocationStore(sp.GetRequiredService<SqliteConnectionFactory>()));
            services.AddSingleton<SqliteTokenStore>();
            services.AddSingleton<ITokenStore>(sp => sp.GetRequiredService<SqliteTokenStore>());
            services.AddSingleton<IAuthorizationStore>(sp => sp.GetRequiredService<SqliteTokenStore>());
            services.AddSingleton<ITokenCache, NoTokenCache>();
            services.AddSingleton<ISessionStore, SqliteSessionStore>();
            services.AddSingleton<IDataQualityStore, SqliteDataQualityStore>();
            services.AddSingleton<ITariffHistoryStore, SqliteTariffHistoryStore>();
            services.AddSingleton<IAuditStore, SqliteAuditStore>();
            services.AddSingleton<IOperatorCredential, NoOperatorCredential>();
            services.AddSingleton<ClearingHouse.Application.Diagnostics.HubMetrics>();
            services.AddSingleton<SqliteCdrStore>();
            services.AddSingleton<ICdrStore>(sp => sp.GetRequiredService<SqliteCdrStore>());
            services.AddSingleton<ICdrFeedStore>(sp => sp.GetRequiredService<SqliteCdrStore>());
            _configure?.Invoke(services);
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    /// <summary>Registers <paramref name="party"/> (e.g. <c>NL-ABC-CPO</c>) with the registry and returns its key.</summary>
    public async Task<PartyKey> RegisterAsync(string party, string? name = null)
    {
        var key = PartyKey.TryParse(party, out var parsed) ? parsed.Value : throw new ArgumentException($"not a party key: {party}", nameof(party));
        await Grains.GetGrain<IPartyRegistryGrain>(IPartyRegistryGrain.Key).Register(key, name ?? party);
        return key;
    }

    /// <summary>The identity of <paramref name="party"/> calling with a credential issued to it now (a real one, as open
    /// streams are checked against the party's credentials).</summary>
    public async Task<CallerIdentity> CallerAsync(PartyKey party) =>
        new(party, (await Grains.GetGrain<IPartyCredentialsGrain>(party.ToString()).Issue()).Credential.Id);

    /// <summary>Sets an open-ended agreement between <paramref name="cpo"/> and <paramref name="emsp"/>, valid from now.</summary>
    public Task AgreeAsync(PartyKey cpo, PartyKey emsp) =>
        Grains.GetGrain<IPartyRegistryGrain>(IPartyRegistryGrain.Key).SetAgreement(cpo, emsp, DateTimeOffset.UtcNow.AddMinutes(-1), null);

    /// <summary>Waits until silo <paramref name="silo"/>'s directory sees <paramref name="condition"/>, at most <paramref name="timeout"/>.</summary>
    public async Task<DirectoryView> WaitForDirectoryAsync(Func<DirectoryView, bool> condition, TimeSpan? timeout = null, int silo = 0)
    {
        var directory = Get<PartyDirectory>(silo);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var view = await directory.GetFreshAsync();
            if (condition(view))
            {
                return view;
            }

            await Task.Delay(50, cts.Token);
        }
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.StopAllSilosAsync();
            await _cluster.DisposeAsync();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a stopping silo: the temporary folder is cleaned by the OS later.
        }
    }
}

/// <summary>No operator secret matches: core tests act as the operator with a <see cref="CallerIdentity"/> directly.</summary>
internal sealed class NoOperatorCredential : IOperatorCredential
{
    /// <inheritdoc />
    public bool Matches(Domain.Credentials.CredentialSecret secret) => false;
}
