using ClearingHouse.Application.Locations;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Grains.Options;
using ClearingHouse.Server.Hosting;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Server.Locations;

/// <summary>Registers locations and status routing.</summary>
public static class LocationsHostingExtensions
{
    /// <summary>
    /// Adds the status write-behind, the subscription hub and their options. The location store and snapshot cache
    /// are the profile's (see <see cref="ServerHostingExtensions"/>).
    /// </summary>
    public static IServiceCollection AddClearingHouseLocations(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LocationsOptions>()
            .Bind(configuration.GetSection(LocationsOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<LocationsOptions>, LocationsOptionsValidator>();
        services.AddSingleton<LocationMetrics>();
        services.AddSingleton<StatusWriteBehind>();
        services.AddHostedService(sp => sp.GetRequiredService<StatusWriteBehind>());
        services.AddSingleton<StatusSubscriptionHub>();
        services.AddHostedService(sp => sp.GetRequiredService<StatusSubscriptionHub>());
        return services;
    }

    private sealed class LocationsOptionsValidator : IValidateOptions<LocationsOptions>
    {
        public ValidateOptionsResult Validate(string? name, LocationsOptions options)
        {
            var errors = options.Validate().ToList();
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
