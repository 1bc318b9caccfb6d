using System.Net;
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
        var errors = settings.Validate();
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(HubOptions.Section, typeof(HubSettings), errors);
        }

        return settings;
    }

    /// <summary>Every problem with the settings, each naming its setting.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(Hub.Profile))
        {
            errors.Add("Hub:Profile must be Embedded or Cluster");
        }

        if (!IPAddress.TryParse(Hub.ListenAddress, out _))
        {
            errors.Add($"Hub:ListenAddress '{Hub.ListenAddress}' is not an IP address");
        }

        Port(errors, "Hub:GrpcPort", Hub.GrpcPort, allowZero: true);
        Port(errors, "Hub:MetricsPort", Hub.MetricsPort, allowZero: true);
        Port(errors, "Silo:SiloPort", Silo.SiloPort, allowZero: false);
        Port(errors, "Silo:GatewayPort", Silo.GatewayPort, allowZero: false);
        if (Hub.GrpcPort != 0 && Hub.GrpcPort == Hub.MetricsPort)
        {
            errors.Add("Hub:MetricsPort must differ from Hub:GrpcPort");
        }

        if (Hub.MaxReceiveMessageBytes is < 1024 or > 64 * 1024 * 1024)
        {
            errors.Add("Hub:MaxReceiveMessageBytes must be between 1024 and 67108864");
        }

        if (Hub.ShutdownTimeout <= TimeSpan.Zero)
        {
            errors.Add("Hub:ShutdownTimeout must be positive");
        }

        if (Hub.TlsCertificatePath is { Length: > 0 } cert && !File.Exists(cert))
        {
            errors.Add($"Hub:TlsCertificatePath '{cert}' does not exist");
        }

        if (string.IsNullOrWhiteSpace(Silo.ClusterId))
        {
            errors.Add("Silo:ClusterId is required");
        }

        if (string.IsNullOrWhiteSpace(Silo.ServiceId))
        {
            errors.Add("Silo:ServiceId is required");
        }

        if (Identity.RotationGracePeriod < TimeSpan.Zero || Identity.RotationGracePeriod > TimeSpan.FromDays(365))
        {
            errors.Add("Identity:RotationGracePeriod must be between 0 and 365 days");
        }

        if (Identity.CacheTtl < TimeSpan.Zero || Identity.CacheTtl > TimeSpan.FromMinutes(5))
        {
            errors.Add("Identity:CacheTtl must be between 0 and 5 minutes");
        }

        if (Identity.OperatorSecretSha256 is { Length: > 0 } hash && (hash.Length != 64 || !hash.All(char.IsAsciiHexDigit)))
        {
            errors.Add("Identity:OperatorSecretSha256 must be 64 hexadecimal characters (a SHA-256 hash)");
        }

        if (Hub.Profile == HubProfile.Embedded && string.IsNullOrWhiteSpace(Hub.DataDirectory))
        {
            errors.Add("Hub:DataDirectory is required in the Embedded profile");
        }

        if (Hub.Profile == HubProfile.Cluster)
        {
            if (string.IsNullOrWhiteSpace(Storage.Postgres.ConnectionString))
            {
                errors.Add("Storage:Postgres:ConnectionString is required in the Cluster profile");
            }

            if (string.IsNullOrWhiteSpace(Identity.OperatorSecretSha256))
            {
                errors.Add("Identity:OperatorSecretSha256 is required in the Cluster profile");
            }

            if (!IPAddress.TryParse(Silo.AdvertisedAddress, out _))
            {
                errors.Add($"Silo:AdvertisedAddress '{Silo.AdvertisedAddress}' is not an IP address");
            }
        }

        return errors;
    }

    private static void Port(List<string> errors, string name, int value, bool allowZero)
    {
        if (value is < 0 or > 65535 || (!allowZero && value == 0))
        {
            errors.Add($"{name} must be a TCP port ({(allowZero ? 0 : 1)}-65535)");
        }
    }
}
