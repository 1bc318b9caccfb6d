namespace ClearingHouse.Ocpi.Outbound;

/// <summary>Partner URLs joined one way, whether or not the partner's endpoint URL ends in <c>/</c> (DESIGN.md, OCPI choice 5).</summary>
public static class OcpiUrls
{
    /// <summary><paramref name="endpoint"/> + <c>/</c> + <paramref name="relative"/>, with exactly one slash between.</summary>
    public static string Join(string endpoint, string relative)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(relative);
        return endpoint.TrimEnd('/') + "/" + relative.TrimStart('/');
    }
}
