using System.Net;
using ClearingHouse.Domain.Parties;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Ocpi.Hosting;

/// <summary>Fails start-up on an <see cref="OcpiOptions"/> setting out of range, naming it.</summary>
public sealed class OcpiOptionsValidator : IValidateOptions<OcpiOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, OcpiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!IPAddress.TryParse(options.ListenAddress, out _))
        {
            failures.Add($"Ocpi:ListenAddress '{options.ListenAddress}' is not an IP address");
        }

        if (options.Port is < 1 or > 65535)
        {
            failures.Add("Ocpi:Port must be between 1 and 65535");
        }

        if (options.TlsCertificatePath is { Length: > 0 } path && !File.Exists(path))
        {
            failures.Add($"Ocpi:TlsCertificatePath '{path}' does not exist");
        }

        if (options.PublicUrl is { Length: > 0 } url
            && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add($"Ocpi:PublicUrl '{url}' is not an http(s) URL");
        }

        if (PartyRules.ValidateCountryCode(options.CountryCode) is { } country)
        {
            failures.Add($"Ocpi:CountryCode {country}");
        }

        if (PartyRules.ValidatePartyId(options.PartyId) is { } party)
        {
            failures.Add($"Ocpi:PartyId {party}");
        }

        if (string.IsNullOrWhiteSpace(options.BusinessName) || options.BusinessName.Length > 100)
        {
            failures.Add("Ocpi:BusinessName must be 1 to 100 characters");
        }

        if (options.MaxRequestBodyBytes is < 1024 or > 64 * 1024 * 1024)
        {
            failures.Add("Ocpi:MaxRequestBodyBytes must be between 1 KiB and 64 MiB");
        }

        if (options.MaxPageSize is < 1 or > 1000)
        {
            failures.Add("Ocpi:MaxPageSize must be between 1 and 1000");
        }

        if (options.PartnerTimeout <= TimeSpan.Zero || options.PartnerTimeout > TimeSpan.FromMinutes(2))
        {
            failures.Add("Ocpi:PartnerTimeout must be positive and at most 2 minutes");
        }

        if (options.MaxPartnerResponseBytes is < 1024 or > 16 * 1024 * 1024)
        {
            failures.Add("Ocpi:MaxPartnerResponseBytes must be between 1 KiB and 16 MiB");
        }

        if (options.H2cPort is { } h2c && (h2c is < 1 or > 65535 || h2c == options.Port))
        {
            failures.Add("Ocpi:H2cPort must be between 1 and 65535 and differ from Ocpi:Port");
        }

        foreach (var host in options.PartnerHosts ?? [])
        {
            if (Outbound.OcpiPartnerHosts.Validate(host) is { } problem)
            {
                failures.Add($"Ocpi:PartnerHosts: {problem}");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
