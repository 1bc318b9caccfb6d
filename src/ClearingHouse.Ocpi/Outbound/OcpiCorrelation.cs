namespace ClearingHouse.Ocpi.Outbound;

/// <summary>
/// The <c>X-Correlation-ID</c> of the OCPI request being served, for the hub's calls to partners made while serving it
/// (an authorization the CPO asked over OCPI, relayed to the EMSP's platform): OCPI keeps one correlation id across
/// the hops of an exchange. Null outside an OCPI request (a gRPC caller): the outbound call gets a new one.
/// </summary>
public static class OcpiCorrelation
{
    private static readonly AsyncLocal<string?> Value = new();

    /// <summary>The correlation id of the OCPI request this flow serves, or null.</summary>
    public static string? Current
    {
        get => Value.Value;
        set => Value.Value = value;
    }
}
