using ClearingHouse.Grains;
using ClearingHouse.Storage.Relational.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Hosting;
using Orleans.Serialization.Serializers;

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
    /// <remarks>See <see cref="RelationalStorageHostingExtensions.AddClearingHouseGrainStorage"/> for the serializer.</remarks>
    public static IServiceCollection AddClearingHousePostgresStorage(this IServiceCollection services, Action<PostgresStorageOptions> configure) =>
        services.AddClearingHouseGrainStorage<PostgresStorageOptions, PostgresStorageOptionsValidator, PostgresConnectionFactory, PostgresGrainStorage>(
            configure,
            static (sp, name, serializer) => new PostgresGrainStorage(
                name,
                sp.GetRequiredService<PostgresConnectionFactory>(),
                serializer,
                sp.GetRequiredService<IActivatorProvider>(),
                sp.GetRequiredService<ILogger<PostgresGrainStorage>>()));
}
