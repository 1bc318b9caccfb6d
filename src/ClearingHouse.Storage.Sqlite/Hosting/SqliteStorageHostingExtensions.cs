using ClearingHouse.Grains;
using ClearingHouse.Storage.Relational.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Hosting;
using Orleans.Serialization.Serializers;

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
    /// <remarks>See <see cref="RelationalStorageHostingExtensions.AddClearingHouseGrainStorage"/> for the serializer.</remarks>
    public static IServiceCollection AddClearingHouseSqliteStorage(this IServiceCollection services, Action<SqliteStorageOptions> configure) =>
        services.AddClearingHouseGrainStorage<SqliteStorageOptions, SqliteStorageOptionsValidator, SqliteConnectionFactory, SqliteGrainStorage>(
            configure,
            static (sp, name, serializer) => new SqliteGrainStorage(
                name,
                sp.GetRequiredService<SqliteConnectionFactory>(),
                serializer,
                sp.GetRequiredService<IActivatorProvider>(),
                sp.GetRequiredService<ILogger<SqliteGrainStorage>>()));
}
