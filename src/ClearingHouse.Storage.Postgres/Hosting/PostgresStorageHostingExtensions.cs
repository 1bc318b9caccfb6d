using ClearingHouse.Grains;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Invoices;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Grains.Operations;
using ClearingHouse.Grains.Sessions;
using ClearingHouse.Grains.Settlement;
using ClearingHouse.Grains.Tokens;
using ClearingHouse.Storage.Relational.Hosting;
using ClearingHouse.Storage.Postgres.Cdrs;
using ClearingHouse.Storage.Postgres.Invoices;
using ClearingHouse.Storage.Postgres.Locations;
using ClearingHouse.Storage.Postgres.Operations;
using ClearingHouse.Storage.Postgres.Sessions;
using ClearingHouse.Storage.Postgres.Settlement;
using ClearingHouse.Storage.Postgres.Tokens;
using ClearingHouse.Storage.Postgres.Tariffs;
using ClearingHouse.Grains.Tariffs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;

namespace ClearingHouse.Storage.Postgres;

/// <summary>Registers the PostgreSQL backend of the Cluster profile.</summary>
public static class PostgresStorageHostingExtensions
{
    /// <summary>
    /// Adds every store of the PostgreSQL backend over one database: the grain storage (see
    /// <see cref="AddClearingHousePostgresStorage(IServiceCollection, Action{PostgresStorageOptions})"/>), <see cref="ICdrStore"/>
    /// and <see cref="ICdrFeedStore"/>, <see cref="ITokenStore"/> and <see cref="IAuthorizationStore"/>,
    /// <see cref="ILocationStore"/>, <see cref="ISessionStore"/>, <see cref="ISettlementStore"/>, <see cref="IInvoiceStore"/>,
    /// <see cref="IDataQualityStore"/>, <see cref="ITariffHistoryStore"/> and <see cref="IAuditStore"/>, all on one shared <see cref="PostgresConnectionFactory"/>, with the schema
    /// created by <see cref="PostgresMigrations"/> at start-up.
    /// </summary>
    public static ISiloBuilder AddPostgresStores(this ISiloBuilder builder, Action<PostgresStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services.AddClearingHousePostgresStorage(configure);
        services.TryAddSingleton<PostgresCdrStore>();
        services.TryAddSingleton<ICdrStore>(sp => sp.GetRequiredService<PostgresCdrStore>());
        services.TryAddSingleton<ICdrFeedStore>(sp => sp.GetRequiredService<PostgresCdrStore>());
        services.TryAddSingleton<PostgresTokenStore>();
        services.TryAddSingleton<ITokenStore>(sp => sp.GetRequiredService<PostgresTokenStore>());
        services.TryAddSingleton<IAuthorizationStore>(sp => sp.GetRequiredService<PostgresTokenStore>());
        services.TryAddSingleton<ILocationStore, PostgresLocationStore>();
        services.TryAddSingleton<ISessionStore, PostgresSessionStore>();
        services.TryAddSingleton<ISettlementStore, PostgresSettlementStore>();
        services.TryAddSingleton<IInvoiceStore, PostgresInvoiceStore>();
        services.TryAddSingleton<IDataQualityStore, PostgresDataQualityStore>();
        services.TryAddSingleton<ITariffHistoryStore, PostgresTariffHistoryStore>();
        services.TryAddSingleton<IAuditStore, PostgresAuditStore>();
        return builder;
    }

    /// <summary>
    /// Keeps Orleans cluster membership in the PostgreSQL database at <paramref name="connectionString"/>
    /// (Microsoft.Orleans.Clustering.AdoNet), durable like the hub's other state: a silo that restarts always finds
    /// and rejoins the one cluster. The tables and the provider's statements are created by
    /// <see cref="PostgresMigrations"/>, which <see cref="AddPostgresStores"/> registers and which runs before the
    /// silo's membership starts.
    /// </summary>
    public static ISiloBuilder UsePostgresClustering(this ISiloBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return builder.UseAdoNetClustering(o =>
        {
            o.Invariant = "Npgsql";
            o.ConnectionString = connectionString;
        });
    }

    /// <summary>
    /// Adds the PostgreSQL grain storage as provider <see cref="StorageProviders.Durable"/> and as the
    /// default provider, with its options validated when the host starts.
    /// </summary>
    public static ISiloBuilder AddClearingHousePostgresStorage(this ISiloBuilder builder, Action<PostgresStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddClearingHousePostgresStorage(configure);
        return builder;
    }

    /// <summary>
    /// Adds the PostgreSQL grain storage as provider <see cref="StorageProviders.Durable"/> and as the
    /// default provider, plus the shared <see cref="PostgresConnectionFactory"/> other PostgreSQL stores
    /// of the same database take (one data source, one pool) from the container, and the database's <see cref="PostgresMigrations"/> (a silo
    /// lifecycle participant that creates every table, the cluster membership tables included, before the silo's runtime starts).
    /// </summary>
    /// <remarks>See <see cref="RelationalStorageHostingExtensions.AddClearingHouseGrainStorage"/> for the serializer.</remarks>
    public static IServiceCollection AddClearingHousePostgresStorage(this IServiceCollection services, Action<PostgresStorageOptions> configure)
    {
        services.AddClearingHouseGrainStorage<PostgresStorageOptions, PostgresStorageOptionsValidator, PostgresConnectionFactory, PostgresGrainStorage>(
            configure,
            static (sp, name, serializer) => new PostgresGrainStorage(
                name,
                sp.GetRequiredService<PostgresConnectionFactory>(),
                serializer,
                sp.GetRequiredService<IActivatorProvider>(),
                sp.GetRequiredService<ILogger<PostgresGrainStorage>>()));
        if (!services.Any(d => d.ServiceType == typeof(PostgresMigrations)))
        {
            services.AddSingleton<PostgresMigrations>();
            services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<PostgresMigrations>());
        }

        return services;
    }
}
