namespace ClearingHouse.Ocpi.Credentials;

/// <summary>
/// One party's OCPI registration (key: the party key, <c>NL-ABC-CPO</c>): the hash of its TOKEN_A or TOKEN_C, its
/// protected TOKEN_B and its endpoints. Every change is one atomic state write, durable before the call returns.
/// </summary>
public interface IOcpiPartnerGrain : IGrainWithStringKey
{
    /// <summary>Issues a new TOKEN_A (the previous one, if any, stops working); the partner's registration is kept.</summary>
    Task<string> IssueTokenA();

    /// <summary>Which of the party's tokens the hash is.</summary>
    Task<OcpiTokenCheck> Check(byte[] tokenHash);

    /// <summary>
    /// Registers (from TOKEN_A) or updates (from TOKEN_C) the partner: stores <paramref name="registration"/>, issues a
    /// new TOKEN_C and invalidates the token used. FailedPrecondition when <paramref name="tokenHash"/> is no longer
    /// the party's token of <paramref name="kind"/> (a concurrent registration won).
    /// </summary>
    Task<string> Register(byte[] tokenHash, OcpiTokenKind kind, OcpiRegistration registration);

    /// <summary>Unregisters: TOKEN_C stops working and TOKEN_B is forgotten.</summary>
    Task Unregister();

    /// <summary>The registration without secrets.</summary>
    Task<OcpiPartnerView> Get();
}
