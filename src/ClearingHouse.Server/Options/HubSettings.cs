using System.Net;
using ClearingHouse.Application.Access;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Server.Options;

/// <summary>
/// Every setting the server reads at start, bound and validated in one place so that a bad setting
/// stops start-up before anything listens, with a message that names the setting.
/// </summary>
public sealed record HubSettings(HubOptions Hub, SiloOptions Silo, RedisOptions Redis, StorageOptions Storage, IdentityOptions Identity)
{
    /// <summary>Binds the settings from configuration and validates them; throws <see cref="OptionsValidationException"/>.</summary>
    public static HubSettings Load(IConfiguration configuration)
    {
        var settings = new HubSettings(
            configuration.GetSection(HubOptions.Section).Get<HubOptions>() ?? new(),
            configuration.GetSection(SiloOptions.Section).Get<SiloOptions>() ?? new(),
            configuration.GetSection(RedisOptions.Section).Get<RedisOptions>() ?? new(),
            configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new(),
            configuration.GetSection(IdentityOptions.Section).Get<IdentityOptions>() ?? new());
        var result = new HubSettingsValidator().Validate(null, settings);
        if (result.Failed)
        {
            throw new OptionsValidationException(HubOptions.Section, typeof(HubSettings), result.Failures);
        }

        return settings;
    }
}
