using ClearingHouse.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Hosting;
using Orleans.Providers;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace ClearingHouse.Storage.Sqlite;

/// <summary>Registers the SQLite grain storage of the Embedded profile.</summary>
public static class SqliteStorageHostingExtensions
{
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
    /// of the same file take from the container.
    /// </summary>
    /// <remarks>
    /// State is serialized with the Orleans binary serializer (<see cref="OrleansGrainStorageSerializer"/>),
    /// which tolerates added and removed <c>[Id]</c> members, rather than the silo-wide default
    /// <see cref="IGrainStorageSerializer"/> (JSON with type names). A serializer registered keyed by
    /// <see cref="StorageProviders.Durable"/> replaces it.
    /// </remarks>
    public static IServiceCollection AddClearingHouseSqliteStorage(this IServiceCollection services, Action<SqliteStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);

        services.AddOptions<SqliteStorageOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SqliteStorageOptions>, SqliteStorageOptionsValidator>());
        services.TryAddSingleton<SqliteConnectionFactory>();
        services.TryAddSingleton(sp => new SqliteGrainStorage(
            StorageProviders.Durable,
            sp.GetRequiredService<SqliteConnectionFactory>(),
            sp.GetKeyedService<IGrainStorageSerializer>(StorageProviders.Durable)
                ?? new OrleansGrainStorageSerializer(sp.GetRequiredService<Serializer>()),
            sp.GetRequiredService<IActivatorProvider>(),
            sp.GetRequiredService<ILogger<SqliteGrainStorage>>()));

        // One instance under both names. Only the first registration is typed as the concrete
        // class, so AddGrainStorage subscribes it to the silo lifecycle (schema creation) once.
        services.AddGrainStorage(StorageProviders.Durable, static (sp, _) => sp.GetRequiredService<SqliteGrainStorage>());
        services.AddGrainStorage<IGrainStorage>(
            ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME,
            static (sp, _) => sp.GetRequiredService<SqliteGrainStorage>());
        return services;
    }
}
