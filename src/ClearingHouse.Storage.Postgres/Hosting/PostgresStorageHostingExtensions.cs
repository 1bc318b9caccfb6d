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

namespace ClearingHouse.Storage.Postgres;

/// <summary>Registers the PostgreSQL grain storage of the Cluster profile.</summary>
public static class PostgresStorageHostingExtensions
{
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
    /// of the same database take from the container (one data source, one pool).
    /// </summary>
    /// <remarks>
    /// State is serialized with the Orleans binary serializer (<see cref="OrleansGrainStorageSerializer"/>),
    /// which tolerates added and removed <c>[Id]</c> members, rather than the silo-wide default
    /// <see cref="IGrainStorageSerializer"/> (JSON with type names). A serializer registered keyed by
    /// <see cref="StorageProviders.Durable"/> replaces it.
    /// </remarks>
    public static IServiceCollection AddClearingHousePostgresStorage(this IServiceCollection services, Action<PostgresStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);

        services.AddOptions<PostgresStorageOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostgresStorageOptions>, PostgresStorageOptionsValidator>());
        services.TryAddSingleton<PostgresConnectionFactory>();
        services.TryAddSingleton(sp => new PostgresGrainStorage(
            StorageProviders.Durable,
            sp.GetRequiredService<PostgresConnectionFactory>(),
            sp.GetKeyedService<IGrainStorageSerializer>(StorageProviders.Durable)
                ?? new OrleansGrainStorageSerializer(sp.GetRequiredService<Serializer>()),
            sp.GetRequiredService<IActivatorProvider>(),
            sp.GetRequiredService<ILogger<PostgresGrainStorage>>()));

        // One instance under both names. Only the first registration is typed as the concrete
        // class, so AddGrainStorage subscribes it to the silo lifecycle (schema creation) once.
        services.AddGrainStorage(StorageProviders.Durable, static (sp, _) => sp.GetRequiredService<PostgresGrainStorage>());
        services.AddGrainStorage<IGrainStorage>(
            ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME,
            static (sp, _) => sp.GetRequiredService<PostgresGrainStorage>());
        return services;
    }
}
