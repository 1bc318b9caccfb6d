namespace ClearingHouse.Application.Access;

/// <summary>Registers the access policy's services.</summary>
internal static class AccessHosting
{
    /// <summary>
    /// Adds the <see cref="IdentityResolver"/> (the host registers the <see cref="IOperatorCredential"/> and binds
    /// <see cref="IdentityOptions"/>) and <see cref="LiveAccess"/>, which watches every open stream.
    /// </summary>
    internal static IServiceCollection AddAccessCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IdentityResolver>();
        services.AddSingleton<LiveAccess>();
        services.AddSingleton<OperatorCredentialsFlow>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveAccess>());
        return services;
    }
}
