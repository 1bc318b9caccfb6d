using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using ClearingHouse.Application.Access;
using ClearingHouse.Application.Cdrs;
using ClearingHouse.Application.Operations;
using ClearingHouse.Application.Settlement;
using ClearingHouse.Grains.Options;
using ClearingHouse.Server.Options;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Server.Hosting;

/// <summary>
/// The server process around the hub: <c>--help</c>, a bad setting and a port in use each end with one plain line per
/// problem on standard error (no stack trace) and a documented exit code (<see cref="ExitCodes"/>, README "Exit codes").
/// </summary>
public static class ServerStartup
{
    /// <summary>The server's exit codes.</summary>
    public static class ExitCodes
    {
        /// <summary>A graceful stop (SIGTERM, Ctrl+C), or <c>--help</c>.</summary>
        public const int Ok = 0;

        /// <summary>The stop did not finish within <c>Hub:ShutdownTimeout</c>.</summary>
        public const int StopTimedOut = 1;

        /// <summary>A setting is missing or invalid: nothing was started, nothing was written.</summary>
        public const int BadSetting = 2;

        /// <summary>A port the hub must listen on is in use or its address is not on this machine.</summary>
        public const int CannotListen = 3;
    }

    // Every options section the hub reads, for --help: section name and a default instance.
    private static readonly (string Section, object Defaults)[] Sections =
    [
        (HubOptions.Section, new HubOptions()),
        (SiloOptions.Section, new SiloOptions()),
        (RedisOptions.Section, new RedisOptions()),
        (StorageOptions.Section, new StorageOptions()),
        (IdentityOptions.Section, new IdentityOptions()),
        (PartyDirectoryOptions.Section, new PartyDirectoryOptions()),
        (LocationsOptions.Section, new LocationsOptions()),
        (TokensOptions.Section, new TokensOptions()),
        (SessionsOptions.Section, new SessionsOptions()),
        (CommandsOptions.Section, new CommandsOptions()),
        (CdrOptions.Section, new CdrOptions()),
        (SettlementOptions.Section, new SettlementOptions()),
        (OpsOptions.Section, new OpsOptions()),
        (ClearingHouse.OperatorConsole.Hosting.ConsoleOptions.Section, new ClearingHouse.OperatorConsole.Hosting.ConsoleOptions()),
    ];

    /// <summary>Runs the server with <paramref name="args"/> until it stops; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        // A switch, never a setting's value: "--Silo:ClusterId help" is a cluster id.
        if (args.Any(static a => a is "--help" or "-h" or "-?" or "/?") || args is ["help"])
        {
            await Console.Out.WriteAsync(Help());
            return ExitCodes.Ok;
        }

        WebApplication app;
        try
        {
            // appsettings.json ships beside the binary; relative paths in settings (Hub:DataDirectory) are relative to
            // the working directory.
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
            if (PortsInUse(HubSettings.Load(builder.Configuration)) is { Count: > 0 } busy)
            {
                return Fail(ExitCodes.CannotListen, busy);
            }

            builder.AddClearingHouse();
            // The server process only (hubs hosted inside a test process must not end it): whatever part does not
            // honour the host's timeout (Orleans writing to a membership store that is down), the process ends after it.
            var timeout = HubSettings.Load(builder.Configuration).Hub.ShutdownTimeout;
            builder.Services.AddHostedService(sp => new StopDeadline(sp.GetRequiredService<IHostApplicationLifetime>(), sp.GetRequiredService<ILogger<StopDeadline>>(), timeout));

            app = builder.Build();
            // Every other section validated at start (Tokens, Locations, ...) is checked here, before the silo starts or
            // the operator credential is written, so a bad one is one line too (the host would log it with a stack).
            app.Services.GetService<IStartupValidator>()?.Validate();
            app.MapClearingHouse();
        }
        catch (Exception ex) when (SettingErrors(ex) is { } errors)
        {
            return Fail(ExitCodes.BadSetting, errors);
        }

        return await app.RunClearingHouseAsync();
    }

    /// <summary>
    /// One line per bad setting when <paramref name="exception"/> (or one it wraps) is a failed options validation or a
    /// value the configuration binder could not convert; null when it is something else.
    /// </summary>
    public static IReadOnlyList<string>? SettingErrors(Exception exception)
    {
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            switch (ex)
            {
                case OptionsValidationException validation:
                    return [.. validation.Failures.SelectMany(static f => f.Split("; ", StringSplitOptions.RemoveEmptyEntries))];
                case AggregateException aggregate when aggregate.InnerExceptions.All(static e => e is OptionsValidationException):
                    return [.. aggregate.InnerExceptions.SelectMany(static e => SettingErrors(e) ?? [])];
                case InvalidOperationException when ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal):
                    return [ConversionError(ex)];
            }
        }

        return null;
    }

    /// <summary>
    /// One line per port or address of the hub that cannot be listened on when <paramref name="exception"/> (or one it
    /// wraps) says so (a port taken between the check at start and the listen); null when it is something else.
    /// </summary>
    public static IReadOnlyList<string>? ListenErrors(Exception exception, HubSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        for (var ex = exception; ex is not null; ex = ex.InnerException)
        {
            if (ex is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse or SocketError.AddressNotAvailable })
            {
                // Which one: Kestrel says "Failed to bind to address http://127.0.0.1:5080"; Orleans does not say.
                var busy = PortsInUse(settings);
                return busy.Count > 0 ? busy : [$"a port of this hub is in use or its address is not on this machine: {FirstLine(exception.Message)}"];
            }
        }

        return null;
    }

    /// <summary>The settings, their defaults and the exit codes, as <c>--help</c> prints them.</summary>
    public static string Help()
    {
        var text = new StringBuilder();
        text.AppendLine("ClearingHouse hub: gRPC on Hub:ListenAddress:Hub:GrpcPort, an Orleans silo, SQLite (Embedded) or PostgreSQL (Cluster).");
        text.AppendLine();
        text.AppendLine("Usage: ClearingHouse.Server [--Section:Setting value]...");
        text.AppendLine("Settings come from appsettings.json, environment variables (Hub__GrpcPort=6000) and the command line");
        text.AppendLine("(--Hub:GrpcPort 6000); README.md \"Configuration\" says what each one means. Settings and their defaults:");
        text.AppendLine();
        foreach (var (section, defaults) in Sections)
        {
            AppendSettings(text, section, defaults);
        }

        text.AppendLine();
        text.AppendLine("Exit codes: 0 stopped cleanly (or --help); 1 the stop overran Hub:ShutdownTimeout;");
        text.AppendLine("2 a setting is missing or invalid (one line names it; nothing started); 3 a port is in use or the address is not here.");
        return text.ToString();
    }

    private static void AppendSettings(StringBuilder text, string prefix, object instance)
    {
        foreach (var property in instance.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.SetMethod is not { IsPublic: true } || property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            var name = $"{prefix}:{property.Name}";
            var value = property.GetValue(instance);
            if (value is not null && property.PropertyType.IsClass && property.PropertyType != typeof(string) && !property.PropertyType.IsArray)
            {
                AppendSettings(text, name, value);
                continue;
            }

            text.Append("  ").Append(name.PadRight(44)).AppendLine(value switch
            {
                null => "(not set)",
                Enum e => e.ToString(),
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString(),
            });
        }
    }

    // Ports the hub is about to listen on that something else holds, checked before anything starts so a busy port
    // is one line, not a silo that starts, fails and stops.
    private static List<string> PortsInUse(HubSettings settings)
    {
        var (hub, silo) = (settings.Hub, settings.Silo);
        var busy = new List<string>();
        var hubAddress = IPAddress.Parse(hub.ListenAddress);
        var siloAddress = settings.Hub.Profile == HubProfile.Cluster ? IPAddress.Parse(silo.AdvertisedAddress) : IPAddress.Loopback;
        Check(hubAddress, hub.GrpcPort, "Hub:GrpcPort");
        Check(hubAddress, hub.MetricsPort, "Hub:MetricsPort");
        Check(siloAddress, silo.SiloPort, "Silo:SiloPort");
        Check(siloAddress, silo.GatewayPort, "Silo:GatewayPort");
        return busy;

        void Check(IPAddress address, int port, string setting)
        {
            if (port == 0)
            {
                return;
            }

            var listener = new TcpListener(address, port);
            try
            {
                listener.Start();
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                busy.Add($"{setting} {port} on {address} is already in use (another hub or program listens there); choose another port with --{setting}");
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressNotAvailable)
            {
                busy.Add($"{setting} {port}: the address {address} is not an address of this machine");
            }
            finally
            {
                listener.Stop();
            }
        }
    }

    private static string ConversionError(Exception ex)
    {
        // "Failed to convert configuration value 'Foo' at 'Hub:Profile' to type 'ClearingHouse.Server.Options.HubProfile'."
        var parts = ex.Message.Split('\'');
        if (parts.Length < 7)
        {
            return FirstLine(ex.Message);
        }

        var (value, key, typeName) = (parts[1], parts[3], parts[5]);
        var type = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(typeName)).FirstOrDefault(static t => t is not null);
        var expected = type switch
        {
            { IsEnum: true } => "one of " + string.Join(", ", Enum.GetNames(type)),
            _ when type == typeof(int) || type == typeof(long) => "a whole number",
            _ when type == typeof(TimeSpan) => "a duration (hh:mm:ss or d.hh:mm:ss)",
            _ when type == typeof(bool) => "true or false",
            _ => $"a {type?.Name ?? typeName} value",
        };
        return $"{key} '{value}' is not valid: it must be {expected}";
    }

    private static string FirstLine(string message) => message.Split('\n')[0].TrimEnd();

    /// <summary>Writes one <c>error:</c> line per problem to standard error; returns <paramref name="exitCode"/>.</summary>
    public static int Fail(int exitCode, IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            Console.Error.WriteLine($"error: {line}");
        }

        return exitCode;
    }
}
