namespace ClearingHouse.Grains.Credentials;

/// <summary>
/// The credentials of one party (key: the party key, <c>NL-ABC-CPO</c>). Holds hashes only. Every
/// change is one atomic state write; refusals throw <see cref="Errors.HubException"/>.
/// </summary>
public interface IPartyCredentialsGrain : IGrainWithStringKey
{
    /// <summary>Issues a new credential. FailedPrecondition when the party is not registered.</summary>
    Task<IssuedCredential> Issue();

    /// <summary>
    /// Replaces an active credential; the old one keeps working for <paramref name="gracePeriod"/>.
    /// NotFound for an unknown id; FailedPrecondition when it is not active.
    /// </summary>
    Task<IssuedCredential> Rotate(string credentialId, TimeSpan gracePeriod);

    /// <summary>Revokes a credential at once. NotFound for an unknown id. Revoking twice is a no-op.</summary>
    Task<CredentialRecord> Revoke(string credentialId);

    /// <summary>All credentials of the party, newest first.</summary>
    Task<IReadOnlyList<CredentialRecord>> List();

    /// <summary>Checks a presented secret's hash against the credential <paramref name="credentialId"/>.</summary>
    Task<CredentialCheck> Check(string credentialId, byte[] secretHash);
}
