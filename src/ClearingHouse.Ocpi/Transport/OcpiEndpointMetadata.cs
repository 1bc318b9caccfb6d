namespace ClearingHouse.Ocpi.Transport;

/// <summary>Marks an endpoint as part of the OCPI interface: the OCPI middleware handles it.</summary>
public sealed class OcpiEndpointMetadata
{
    /// <summary>The one instance.</summary>
    public static OcpiEndpointMetadata Instance { get; } = new();
}

/// <summary>Marks an OCPI endpoint a partner may call with its TOKEN_A (versions, version details, credentials).</summary>
public sealed class AllowsRegistrationTokenMetadata
{
    /// <summary>The one instance.</summary>
    public static AllowsRegistrationTokenMetadata Instance { get; } = new();
}

/// <summary>The OCPI status code for an unknown object on this endpoint (2003 by default; 2004 for tokens).</summary>
/// <param name="Code">The status code.</param>
public sealed record UnknownObjectCodeMetadata(int Code);

/// <summary>
/// Marks an OCPI endpoint whose request goes on to the party its <c>OCPI-to-*</c> headers name (a command to a CPO):
/// the middleware lets those headers name another party; the endpoint resolves and checks it.
/// </summary>
public sealed class RoutesToNamedPartyMetadata
{
    /// <summary>The one instance.</summary>
    public static RoutesToNamedPartyMetadata Instance { get; } = new();
}
