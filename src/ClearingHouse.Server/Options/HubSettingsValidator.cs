using System.Net;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Server.Options;

/// <summary>
/// Fails start-up on any bad <see cref="HubSettings"/> setting, naming it: the server's own sections (Hub, Silo,
/// Redis, Storage, Identity) are checked together because some depend on each other (the profile decides what is
/// required). <see cref="HubSettings.Load"/> runs it before anything is built, since Kestrel and Orleans are
/// configured from these settings.
/// </summary>
public sealed class HubSettingsValidator : IValidateOptions<HubSettings>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, HubSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (hub, silo, storage, identity) = (options.Hub, options.Silo, options.Storage, options.Identity);
        var errors = new List<string>();
        if (!Enum.IsDefined(hub.Profile))
        {
            errors.Add("Hub:Profile must be Embedded or Cluster");
        }

        if (!IPAddress.TryParse(hub.ListenAddress, out _))
        {
            errors.Add($"Hub:ListenAddress '{hub.ListenAddress}' is not an IP address");
        }

        Port(errors, "Hub:GrpcPort", hub.GrpcPort, allowZero: true);
        Port(errors, "Hub:MetricsPort", hub.MetricsPort, allowZero: true);
        Port(errors, "Silo:SiloPort", silo.SiloPort, allowZero: false);
        Port(errors, "Silo:GatewayPort", silo.GatewayPort, allowZero: false);
        if (hub.GrpcPort != 0 && hub.GrpcPort == hub.MetricsPort)
        {
            errors.Add("Hub:MetricsPort must differ from Hub:GrpcPort");
        }

        // The silo's ports share the machine with Kestrel's: a clash would fail only after the silo started.
        foreach (var (setting, port) in new[] { ("Silo:SiloPort", silo.SiloPort), ("Silo:GatewayPort", silo.GatewayPort) })
        {
            if (port != 0 && (port == hub.GrpcPort || port == hub.MetricsPort))
            {
                errors.Add($"{setting} {port} must differ from Hub:GrpcPort and Hub:MetricsPort");
            }
        }

        if (silo.SiloPort != 0 && silo.SiloPort == silo.GatewayPort)
        {
            errors.Add("Silo:GatewayPort must differ from Silo:SiloPort");
        }

        if (hub.MaxReceiveMessageBytes is < 1024 or > 64 * 1024 * 1024)
        {
            errors.Add("Hub:MaxReceiveMessageBytes must be between 1024 and 67108864");
        }

        if (hub.ShutdownTimeout <= TimeSpan.Zero)
        {
            errors.Add("Hub:ShutdownTimeout must be positive");
        }

        if (hub.TlsCertificatePath is { Length: > 0 } cert && !File.Exists(cert))
        {
            errors.Add($"Hub:TlsCertificatePath '{cert}' does not exist");
        }

        if (string.IsNullOrWhiteSpace(silo.ClusterId))
        {
            errors.Add("Silo:ClusterId is required");
        }

        if (string.IsNullOrWhiteSpace(silo.ServiceId))
        {
            errors.Add("Silo:ServiceId is required");
        }

        if (silo.ProbeTimeout < TimeSpan.FromMilliseconds(200) || silo.ProbeTimeout > TimeSpan.FromSeconds(60))
        {
            errors.Add("Silo:ProbeTimeout must be between 200 ms and 60 s");
        }

        if (silo.MissedProbesLimit is < 2 or > 10)
        {
            errors.Add("Silo:MissedProbesLimit must be between 2 and 10");
        }

        if (identity.RotationGracePeriod < TimeSpan.Zero || identity.RotationGracePeriod > TimeSpan.FromDays(365))
        {
            errors.Add("Identity:RotationGracePeriod must be between 0 and 365 days");
        }

        if (identity.CacheTtl < TimeSpan.Zero || identity.CacheTtl > TimeSpan.FromMinutes(5))
        {
            errors.Add("Identity:CacheTtl must be between 0 and 5 minutes");
        }

        if (identity.OperatorSecretSha256 is { Length: > 0 } hash && (hash.Length != 64 || !hash.All(char.IsAsciiHexDigit)))
        {
            errors.Add("Identity:OperatorSecretSha256 must be 64 hexadecimal characters (a SHA-256 hash)");
        }

        if (hub.Profile == HubProfile.Embedded && string.IsNullOrWhiteSpace(hub.DataDirectory))
        {
            errors.Add("Hub:DataDirectory is required in the Embedded profile");
        }

        if (hub.Profile == HubProfile.Cluster)
        {
            if (string.IsNullOrWhiteSpace(storage.Postgres.ConnectionString))
            {
                errors.Add("Storage:Postgres:ConnectionString is required in the Cluster profile");
            }

            if (string.IsNullOrWhiteSpace(identity.OperatorSecretSha256))
            {
                errors.Add("Identity:OperatorSecretSha256 is required in the Cluster profile");
            }

            if (!IPAddress.TryParse(silo.AdvertisedAddress, out _))
            {
                errors.Add($"Silo:AdvertisedAddress '{silo.AdvertisedAddress}' is not an IP address");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }


    private static void Port(List<string> errors, string name, int value, bool allowZero)
    {
        if (value is < 0 or > 65535 || (!allowZero && value == 0))
        {
            errors.Add($"{name} must be a TCP port ({(allowZero ? 0 : 1)}-65535)");
        }
    }
}
