using ClearingHouse.Grains;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Invoices;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Grains.Operations;
using ClearingHouse.Grains.Sessions;
using ClearingHouse.Grains.Settlement;
using ClearingHouse.Grains.Tokens;
using ClearingHouse.Storage.Relational.Hosting;
using ClearingHouse.Storage.Sqlite.Cdrs;
using ClearingHouse.Storage.Sqlite.Invoices;
using ClearingHouse.Storage.Sqlite.Locations;
using ClearingHouse.Storage.Sqlite.Operations;
using ClearingHouse.Storage.Sqlite.Sessions;
using ClearingHouse.Storage.Sqlite.Settlement;
using ClearingHouse.Storage.Sqlite.Tokens;
using ClearingHouse.Storage.Sqlite.Tariffs;
using ClearingHouse.Grains.Tariffs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Serialization.Serializers;

namespace ClearingHouse.Storage.Sqlite;

/// <summary>Registers the SQLite backend of the Embedded profile.</summary>
public static class SqliteStorageHostingExtensions
{
    /// <summary>
    /// Adds every store of the SQLite backend over one file: the grain storage (see
    /// <see cref="AddClearingHouseSqliteStorage(IServiceCollection, Action{SqliteStorageOptions})"/>), <see cref="ICdrStore"/>
    /// and <see cref="ICdrFeedStore"/>, <see cref="ITokenStore"/> and <see cref="IAuthorizationStore"/>,
    /// <see cref="ILocationStore"/>, <see cref="ISessionStore"/>, <see cref="ISettlementStore"/>, <see cref="IInvoiceStore"/>,
    /// <see cref="IDataQualityStore"/>, <see cref="ITariffHistoryStore"/> and <see cref="IAuditStore"/>, all on one shared <see cref="SqliteConnectionFactory"/>, with the schema
    /// created by <see cref="SqliteMigrations"/> at start-up.
    /// </summary>
    public static ISiloBuilder AddSqliteStores(this ISiloBuilder builder, Action<SqliteStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services.AddClearingHouseSqliteStorage(configure);
        services.TryAddSingleton<SqliteCdrStore>();
        services.TryAddSingleton<ICdrStore>(sp => sp.GetRequiredService<SqliteCdrStore>());
        services.TryAddSingleton<ICdrFeedStore>(sp => sp.GetRequiredService<SqliteCdrStore>());
        services.TryAddSingleton<SqliteTokenStore>();
        services.TryAddSingleton<ITokenStore>(sp => sp.GetRequiredService<SqliteTokenStore>());
        services.TryAddSingleton<IAuthorizationStore>(sp => sp.GetRequiredService<SqliteTokenStore>());
        services.TryAddSingleton<ILocationStore, SqliteLocationStore>();
        services.TryAddSingleton<ISessionStore, SqliteSessionStore>();
        services.TryAddSingleton<ISettlementStore, SqliteSettlementStore>();
        services.TryAddSingleton<IInvoiceStore, SqliteInvoiceStore>();
        services.TryAddSingleton<IDataQualityStore, SqliteDataQualityStore>();
        services.TryAddSingleton<ITariffHistoryStore, SqliteTariffHistoryStore>();
        services.TryAddSingleton<IAuditStore, SqliteAuditStore>();
        return builder;
    }

    /// <summary>
    /// Adds the SQLite grain storage as provider <see cref="StorageProviders.Durable"/> and as the
    /// default provider, with its options validated when the host starts.
    /// </summary>
    public static ISiloBuilder AddClearingHouseSqliteStorage(this ISiloBuilder builder, Action<SqliteStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddClearingHouseSqliteStorage(configure);
        return builder;
    }

    /// <summary>
    /// Adds the SQLite grain storage as provider <see cref="StorageProviders.Durable"/> and as the
    /// default provider, plus the shared <see cref="SqliteConnectionFactory"/> other SQLite stores
    /// of the same file take from the container, and the file's <see cref="SqliteMigrations"/> (a silo
    /// lifecycle participant that creates every table before the silo's runtime starts).
    /// </summary>
    /// <remarks>See <see cref="RelationalStorageHostingExtensions.AddClearingHouseGrainStorage"/> for the serializer.</remarks>
    public static IServiceCollection AddClearingHouseSqliteStorage(this IServiceCollection services, Action<SqliteStorageOptions> configure)
    {
        services.AddClearingHouseGrainStorage<SqliteStorageOptions, SqliteStorageOptionsValidator, SqliteConnectionFactory, SqliteGrainStorage>(
            configure,
            static (sp, name, serializer) => new SqliteGrainStorage(
                name,
                sp.GetRequiredService<SqliteConnectionFactory>(),
                serializer,
                sp.GetRequiredService<IActivatorProvider>(),
                sp.GetRequiredService<ILogger<SqliteGrainStorage>>()));
        if (!services.Any(d => d.ServiceType == typeof(SqliteMigrations)))
        {
            services.AddSingleton<SqliteMigrations>();
            services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SqliteMigrations>());
        }

        return services;
    }
}
