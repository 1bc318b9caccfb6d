namespace ClearingHouse.Application.Commands;

/// <summary>Registers the remote-commands flow.</summary>
internal static class CommandsHosting
{
    /// <summary>Adds <see cref="CommandFlow"/> and this silo's <see cref="CommandChannelHub"/>. The host binds <c>Commands</c>.</summary>
    internal static IServiceCollection AddCommandsCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<CommandChannelHub>();
        services.AddHostedService(sp => sp.GetRequiredService<CommandChannelHub>());
        services.AddSingleton<RemoteCommandRoutes>();
        services.AddSingleton<CommandFlow>();
        return services;
    }
}
