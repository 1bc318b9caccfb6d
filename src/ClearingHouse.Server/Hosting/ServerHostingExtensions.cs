using ClearingHouse.Application.Access;
using ClearingHouse.Application.Settlement;
using ClearingHouse.Application.Locations;
using ClearingHouse.Application.Diagnostics;
using ClearingHouse.Application.Cdrs;
using System.Net;
using ClearingHouse.Application.Hosting;
using ClearingHouse.Grains.Hosting;
using ClearingHouse.Ocpi.Hosting;
using ClearingHouse.OperatorConsole.Hosting;
using ClearingHouse.Server.Tokens;
using ClearingHouse.Server.Cdrs;
using ClearingHouse.Server.Commands;
using ClearingHouse.Server.Grpc;
using ClearingHouse.Server.Identity;
using ClearingHouse.Server.Invoices;
using ClearingHouse.Server.Locations;
using ClearingHouse.Server.Operations;
using ClearingHouse.Server.Options;
using ClearingHouse.Server.PartyAdmin;
using ClearingHouse.Server.Sessions;
using ClearingHouse.Server.Settlement;
using ClearingHouse.Server.Tariffs;
using ClearingHouse.Storage.Postgres;
using ClearingHouse.Storage.Sqlite;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using ClearingHouse.Storage.Redis.Hosting;
using ClearingHouse.Grains.Tokens;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Orleans.Configuration;
using ClearingHouse.Server.Telemetry;

namespace ClearingHouse.Server.Hosting;

/// <summary>The only place that wires the hub together: options, Orleans, gRPC, identity, telemetry.</summary>
public static class ServerHostingExtensions
{
    private static readonly Action<ILogger, TimeSpan, Exception?> LogStopTimedOut = LoggerMessage.Define<TimeSpan>(
        LogLevel.Error,
        new EventId(1093, "StopTimedOut"),
        "The hub did not stop within Hub:ShutdownTimeout ({Timeout}); it stopped without finishing every call and grain");

    /// <summary>Reads and validates the settings, then registers everything the hub runs.</summary>
    public static WebApplicationBuilder AddClearingHouse(this WebApplicationBuilder builder)
    {
        var settings = HubSettings.Load(builder.Configuration);
        builder.Services.AddSingleton(settings);
        builder.Services.Configure<IdentityOptions>(builder.Configuration.GetSection(IdentityOptions.Section));
        // The host gives up a little before the timeout, so that the process (StopDeadline) still ends within it.
        builder.Host.ConfigureHostOptions(o => o.ShutdownTimeout = StopDeadline.HostTimeout(settings.Hub.ShutdownTimeout));

        ConfigureKestrel(builder, settings.Hub);
        ConfigureOrleans(builder, settings);

        builder.Services.AddClearingHouseGrains(builder.Configuration);
        builder.Services.AddClearingHouseApplication(builder.Configuration);
        builder.Services.AddClearingHouseTokens(builder.Configuration);
        builder.Services.AddClearingHouseLocations(builder.Configuration);
        builder.Services.AddClearingHouseCdrs(builder.Configuration);
        builder.Services.AddClearingHouseSettlement(builder.Configuration);
        builder.Services.AddClearingHouseSessions(builder.Configuration);
        builder.AddClearingHouseOcpi(enabledByDefault: settings.Hub.Profile == HubProfile.Embedded);
        builder.AddClearingHouseConsole(enabledByDefault: settings.Hub.Profile == HubProfile.Embedded, settings.Hub.DataDirectory);
        builder.Services.AddSingleton(sp => OperatorCredential.Provision(settings, sp.GetRequiredService<ILoggerFactory>().CreateLogger<OperatorCredential>()));
        builder.Services.AddSingleton<IOperatorCredential>(sp => sp.GetRequiredService<OperatorCredential>());

        // Stateless interceptors, one instance each: grpc-dotnet activates an interceptor that is not in the container
        // anew for every call (an object and an ActivatorUtilities pass per interceptor per call on the Authorize profile).
        builder.Services.AddSingleton<StreamShutdownInterceptor>();
        builder.Services.AddSingleton<ErrorMappingInterceptor>();
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = settings.Hub.MaxReceiveMessageBytes;
            o.EnableDetailedErrors = false;
            // Outermost: streams end with Unavailable when the hub stops, whatever the handler threw.
            o.Interceptors.Add<StreamShutdownInterceptor>();
            o.Interceptors.Add<ErrorMappingInterceptor>();
            // A body flagged gzip that is not gzip: Internal, not Unknown with a logged stack.
            o.CompressionProviders = [new GuardedGzipProvider()];
        });
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks().AddCheck<SiloHealthCheck>("silo");
        UseGuardedBinder(builder.Services);

        builder.AddClearingHouseTelemetry();
        return builder;
    }

    /// <summary>Maps the gRPC services, health, reflection and the metrics endpoint.</summary>
    public static WebApplication MapClearingHouse(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<HubSettings>();
        // Create the operator credential (and log where it is) at start, not on the first call.
        _ = app.Services.GetRequiredService<OperatorCredential>();
        app.UseClearingHouseTelemetry();
        app.UseMiddleware<AuthenticationMiddleware>();

        app.MapGrpcService<PartyAdminGrpcService>();
        app.MapGrpcService<IdentityGrpcService>();
        app.MapGrpcService<TokenGrpcService>();
        app.MapGrpcService<LocationGrpcService>();
        app.MapGrpcService<TariffGrpcService>();
        app.MapGrpcService<CdrGrpcService>();
        app.MapGrpcService<SettlementGrpcService>();
        app.MapGrpcService<DisputeGrpcService>();
        app.MapGrpcService<InvoiceGrpcService>();
        app.MapGrpcService<OpsGrpcService>();
        app.MapGrpcService<SessionGrpcService>();
        app.MapGrpcService<CommandGrpcService>();
        app.MapGrpcService<ClearingHouse.Server.Ocpi.OcpiAdminGrpcService>();
        app.MapClearingHouseOcpi();
        app.MapClearingHouseConsole();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        if (settings.Hub.MetricsPort > 0)
        {
            var metricsHost = $"*:{settings.Hub.MetricsPort}";
            app.MapPrometheusScrapingEndpoint().RequireHost(metricsHost);
            // Kubernetes-style probes beside the metrics: live = the process serves HTTP (no check runs);
            // ready = the health checks pass (this silo reaches the cluster's party registry).
            app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = static _ => false }).RequireHost(metricsHost);
            app.MapHealthChecks("/readyz").RequireHost(metricsHost);
        }

        return app;
    }

    /// <summary>
    /// Runs the hub until it is stopped (SIGTERM, Ctrl+C). Exit code 0 after a graceful stop; 1 when the stop did not
    /// finish within <c>Hub:ShutdownTimeout</c> (the process still ends then, with one log line instead of an
    /// unhandled exception); 2 when a setting validated at start is bad; 3 when a port is in use (see
    /// <see cref="ServerStartup.ExitCodes"/>).
    /// </summary>
    public static async Task<int> RunClearingHouseAsync(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Read before running: once a start has failed the container is disposed, and an exception filter that throws
        // would leave the start-up failure unhandled (exit code 134).
        var settings = app.Services.GetRequiredService<HubSettings>();
        try
        {
            await app.RunAsync();
            return 0;
        }
        catch (OperationCanceledException)
        {
            LogStopTimedOut(app.Logger, settings.Hub.ShutdownTimeout, null);
            return ServerStartup.ExitCodes.StopTimedOut;
        }
        catch (Exception ex) when (ServerStartup.SettingErrors(ex) is { } errors)
        {
            // A section validated at start (Tokens, Locations, ...): one line per bad setting, as for the Hub section.
            return ServerStartup.Fail(ServerStartup.ExitCodes.BadSetting, errors);
        }
        catch (Exception ex) when (ServerStartup.ListenErrors(ex, settings) is { } errors)
        {
            return ServerStartup.Fail(ServerStartup.ExitCodes.CannotListen, errors);
        }
    }

    // grpc-dotnet binds services through its own (internal) binder; ours is the same plus a guarded request
    // marshaller (GuardedServiceMethodProvider). Fail at start rather than bind every method twice if that changes.
    private static void UseGuardedBinder(IServiceCollection services)
    {
        var defaults = services
            .Where(d => d.ServiceType == typeof(global::Grpc.AspNetCore.Server.Model.IServiceMethodProvider<>) && d.ImplementationType?.Name.StartsWith("BinderServiceMethodProvider", StringComparison.Ordinal) == true)
            .ToList();
        if (defaults.Count != 1)
        {
            throw new InvalidOperationException("grpc-dotnet's default service binder was not found; the guarded binder cannot replace it");
        }

        services.Remove(defaults[0]);
        services.AddSingleton(typeof(global::Grpc.AspNetCore.Server.Model.IServiceMethodProvider<>), typeof(GuardedServiceMethodProvider<>));
    }

    private static void ConfigureKestrel(WebApplicationBuilder builder, HubOptions hub)
    {
        var address = IPAddress.Parse(hub.ListenAddress);
        // Connections still open this long after the stop began are closed (at most 5 s, at most half the timeout).
        var grace = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(5).Ticks, hub.ShutdownTimeout.Ticks / 2));
        builder.Services.AddSingleton(sp => new StopConnectionReaper(
            sp.GetRequiredService<IHostApplicationLifetime>(), sp.GetRequiredService<ILogger<StopConnectionReaper>>(), grace));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StopConnectionReaper>());
        // Before any service stops: the streams the stop ended finish, and partners read their ends (StreamDrain).
        var linger = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(1).Ticks, hub.ShutdownTimeout.Ticks / 10));
        builder.Services.AddSingleton(sp => new StreamDrain(sp.GetRequiredService<ILogger<StreamDrain>>(), grace, linger));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StreamDrain>());
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
            kestrel.Listen(address, hub.GrpcPort, listen =>
            {
                listen.Use(next => kestrel.ApplicationServices.GetRequiredService<StopConnectionReaper>().Track(next));
                if (hub.TlsCertificatePath is { Length: > 0 } certificate)
                {
                    listen.Protocols = HttpProtocols.Http1AndHttp2;
                    listen.UseHttps(certificate, hub.TlsCertificatePassword);
                }
                else
                {
                    // Plain-text HTTP/2 (h2c): gRPC clients connect with prior knowledge.
                    listen.Protocols = HttpProtocols.Http2;
                }
            });
            if (hub.MetricsPort > 0)
            {
                kestrel.Listen(address, hub.MetricsPort, listen => listen.Protocols = HttpProtocols.Http1);
            }
        });
    }

    // The one place the profile is looked at: which membership, which stores, which caches. Everything else in the
    // hub sees only the ports (ICdrStore, ITokenCache, ...).
    private static void ConfigureOrleans(WebApplicationBuilder builder, HubSettings settings)
    {
        builder.UseOrleans(silo =>
        {
            if (builder.Configuration.GetValue<bool>($"{TelemetryOptions.Section}:{nameof(TelemetryOptions.TracingEnabled)}"))
            {
                // W3C trace context rides on every grain call, so a trace continues across silos.
                silo.AddActivityPropagation();
            }

            var s = settings.Silo;
            switch (settings.Hub.Profile)
            {
                case HubProfile.Embedded:
                    silo.UseLocalhostClustering(s.SiloPort, s.GatewayPort, serviceId: s.ServiceId, clusterId: s.ClusterId);
                    var dataDirectory = Path.GetFullPath(settings.Hub.DataDirectory);
                    Directory.CreateDirectory(dataDirectory);
                    var sqlite = settings.Storage.Sqlite.ConnectionString
                        ?? $"Data Source={Path.Combine(dataDirectory, "clearinghouse.db")}";
                    silo.AddSqliteStores(o => o.ConnectionString = sqlite);
                    // One silo: nothing to migrate grains to when it stops (SingleSiloGrainProperties says why).
                    silo.Services.AddSingleton<Orleans.Metadata.IGrainPropertiesProvider, SingleSiloGrainProperties>();
                    break;
                case HubProfile.Cluster:
                    silo.Configure<ClusterOptions>(o =>
                    {
                        o.ClusterId = s.ClusterId;
                        o.ServiceId = s.ServiceId;
                    });
                    silo.ConfigureEndpoints(IPAddress.Parse(s.AdvertisedAddress), s.SiloPort, s.GatewayPort, listenOnAnyHostAddress: false);
                    // Failure detection: how soon a dead silo is declared dead and its grains move (docs/operations.md).
                    silo.Configure<ClusterMembershipOptions>(o =>
                    {
                        o.ProbeTimeout = s.ProbeTimeout;
                        o.NumMissedProbesLimit = s.MissedProbesLimit;
                    });
                    // A call to a grain whose silo died waits for membership to move on instead of failing (FailoverRetryFilter).
                    if (s.HoldCallsDuringFailover)
                    {
                        silo.AddOutgoingGrainCallFilter<FailoverRetryFilter>();
                    }
                    var postgres = settings.Storage.Postgres.ConnectionString!;
                    silo.UsePostgresClustering(postgres);
                    silo.AddPostgresStores(o => o.ConnectionString = postgres);
                    if (settings.Redis.CacheConnection is { } redis)
                    {
                        silo.Services.AddRedisCaches(redis, s.ServiceId);
                    }

                    break;
            }

            // No cache where the profile adds none: reads go to the grains and the stores.
            silo.Services.TryAddSingleton<ITokenCache, NoTokenCache>();
            silo.Services.TryAddSingleton<ILocationSnapshotCache, NoLocationSnapshotCache>();
        });
    }
}
