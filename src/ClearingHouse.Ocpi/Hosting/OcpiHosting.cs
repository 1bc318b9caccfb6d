using System.Net;
using ClearingHouse.Grains.Hosting;
using ClearingHouse.Ocpi.Cdrs;
using ClearingHouse.Ocpi.ChargingProfiles;
using ClearingHouse.Ocpi.Commands;
using ClearingHouse.Ocpi.Credentials;
using ClearingHouse.Ocpi.HubClientInfo;
using ClearingHouse.Ocpi.Locations;
using ClearingHouse.Ocpi.Outbound;
using ClearingHouse.Ocpi.Sessions;
using ClearingHouse.Ocpi.Tariffs;
using ClearingHouse.Ocpi.Tokens;
using ClearingHouse.Ocpi.Transport;
using ClearingHouse.Ocpi.Versions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Ocpi.Hosting;

/// <summary>Registers and maps the OCPI 2.2.1 interface on its own Kestrel endpoint.</summary>
public static class OcpiHosting
{
    /// <summary>
    /// Reads and validates <c>Ocpi:*</c> and registers the OCPI services; when OCPI is on (<see cref="OcpiOptions.Enabled"/>,
    /// else <paramref name="enabledByDefault"/>) also its Kestrel endpoint (HTTP/1.1; HTTPS with HTTP/1.1 and HTTP/2
    /// with <see cref="OcpiOptions.TlsCertificatePath"/>).
    /// </summary>
    public static WebApplicationBuilder AddClearingHouseOcpi(this WebApplicationBuilder builder, bool enabledByDefault)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Configuration.GetSection(OcpiOptions.Section).Get<OcpiOptions>() ?? new();
        var result = new OcpiOptionsValidator().Validate(null, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(OcpiOptions.Section, typeof(OcpiOptions), result.Failures);
        }

        builder.Services.AddValidatedOptions<OcpiOptions, OcpiOptionsValidator>(builder.Configuration, OcpiOptions.Section);
        builder.Services.AddSingleton<OcpiAuthenticator>();
        builder.Services.AddSingleton<OcpiResults>();
        builder.Services.AddSingleton<OcpiPartners>();
        builder.Services.AddSingleton<OcpiMetrics>();
        builder.Services.AddSingleton<OcpiSecretProtector>();
        builder.Services.AddSingleton<OcpiPartnerClient>();
        // Partner hosts: loopback only by default where OCPI is on by default (the Embedded profile), any host elsewhere.
        builder.Services.AddSingleton(new OcpiPartnerHosts(options.PartnerHosts ?? [], loopbackByDefault: enabledByDefault));
        builder.Services.AddOcpiOutbound(builder.Configuration);
        builder.Services.AddSingleton<OcpiCredentialsModule.Registrar>();
        builder.Services.AddHttpClient(OcpiPartnerClient.ClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // A partner's redirect is answered as a failure, never followed: the hub's token would go elsewhere.
                AllowAutoRedirect = false,
                ConnectTimeout = options.PartnerTimeout,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                MaxResponseHeadersLength = 64,
            })
            .ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan);

        // The registrations and their operator commands work whether this silo serves OCPI or not.
        if (!(options.Enabled ?? enabledByDefault))
        {
            return builder;
        }

        builder.Services.AddSingleton(new OcpiEnabled());
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Parse(options.ListenAddress), options.Port, listen =>
        {
            // HTTP/2 is negotiated with TLS (ALPN); on plain HTTP the endpoint is HTTP/1.1 only, as every OCPI
            // partner speaks it and Kestrel refuses HTTP/2 prior knowledge on a mixed cleartext endpoint.
            if (options.TlsCertificatePath is { Length: > 0 } certificate)
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(certificate, options.TlsCertificatePassword);
            }
            else
            {
                listen.Protocols = HttpProtocols.Http1;
            }
        }));
        if (options.H2cPort is { } h2cPort && options.TlsCertificatePath is not { Length: > 0 })
        {
            // HTTP/2 with prior knowledge (h2c) on its own port: a cleartext port that serves HTTP/2 only needs no ALPN.
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Parse(options.ListenAddress), h2cPort, listen => listen.Protocols = HttpProtocols.Http2));
        }
        return builder;
    }

    /// <summary>Maps the OCPI endpoints (when OCPI is on) behind the OCPI middleware.</summary>
    public static WebApplication MapClearingHouseOcpi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.Services.GetService<OcpiEnabled>() is null)
        {
            return app;
        }

        app.UseMiddleware<OcpiMiddleware>();
        var ocpi = app.MapGroup("/ocpi").WithMetadata(OcpiEndpointMetadata.Instance);
        ocpi.MapOcpiVersions();
        ocpi.MapOcpiCredentials();
        ocpi.MapOcpiLocations();
        ocpi.MapOcpiTokens();
        ocpi.MapOcpiSessions();
        ocpi.MapOcpiCdrs();
        ocpi.MapOcpiTariffs();
        ocpi.MapOcpiCommands();
        ocpi.MapOcpiHubClientInfo();
        ocpi.MapOcpiChargingProfiles();
        return app;
    }

    private sealed class OcpiEnabled;
}
