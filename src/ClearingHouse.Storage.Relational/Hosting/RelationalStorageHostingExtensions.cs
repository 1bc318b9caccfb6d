using ClearingHouse.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Providers;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;

namespace ClearingHouse.Storage.Relational.Hosting;

/// <summary>The registration shared by the SQLite and PostgreSQL grain storages.</summary>
public static class RelationalStorageHostingExtensions
{
    /// <summary>
    /// Adds <typeparamref name="TStorage"/> as provider <see cref="StorageProviders.Durable"/> and as the
    /// default provider, its options validated by <typeparamref name="TValidator"/> when the host starts,
    /// and one shared <typeparamref name="TConnections"/> other stores of the same database take from the
    /// container.
    /// </summary>
    /// <remarks>
    /// State is serialized with the Orleans binary serializer (<see cref="OrleansGrainStorageSerializer"/>),
    /// which tolerates added and removed <c>[Id]</c> members, rather than the silo-wide default
    /// <see cref="IGrainStorageSerializer"/> (JSON with type names). A serializer registered keyed by
    /// <see cref="StorageProviders.Durable"/> replaces it. <paramref name="create"/> gets the provider
    /// name and that serializer.
    /// </remarks>
    public static IServiceCollection AddClearingHouseGrainStorage<TOptions, TValidator, TConnections, TStorage>(
        this IServiceCollection services,
        Action<TOptions> configure,
        Func<IServiceProvider, string, IGrainStorageSerializer, TStorage> create)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
        where TConnections : class
        where TStorage : class, IGrainStorage
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        ArgumentNullException.ThrowIfNull(create);

        services.AddOptions<TOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        services.TryAddSingleton<TConnections>();
        services.TryAddSingleton(sp => create(
            sp,
            StorageProviders.Durable,
            sp.GetKeyedService<IGrainStorageSerializer>(StorageProviders.Durable)
                ?? new OrleansGrainStorageSerializer(sp.GetRequiredService<Serializer>())));

        // One instance under both names (its table is created by the backend's migration step).
        services.AddGrainStorage(StorageProviders.Durable, static (sp, _) => sp.GetRequiredService<TStorage>());
        services.AddGrainStorage<IGrainStorage>(
            ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME,
            static (sp, _) => sp.GetRequiredService<TStorage>());
        return services;
    }
}
