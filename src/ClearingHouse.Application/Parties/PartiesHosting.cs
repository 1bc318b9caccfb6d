namespace ClearingHouse.Application.Parties;

/// <summary>Registers the parties flow.</summary>
internal static class PartiesHosting
{
    /// <summary>Adds <see cref="PartyAdminFlow"/>. The host binds <c>Identity</c> (rotation grace period).</summary>
    internal static IServiceCollection AddPartiesCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<PartyAdminFlow>();
        return services;
    }
}
