namespace ClearingHouse.Grains.Credentials;

/// <summary>
/// The operator credentials the hub issued (one grain, key <see cref="Key"/>), beside the one the host provisions
/// (<c>operator.credential</c> or <c>Identity:OperatorSecretSha256</c>, always full). Each carries a role: full, or
/// read-only (reads everything, changes nothing). Holds hashes only; every change is one atomic state write.
/// </summary>
public interface IOperatorCredentialsGrain : IGrainWithStringKey
{
    /// <summary>The grain's only key.</summary>
    const string Key = "operator";

    /// <summary>Issues a new operator credential, read-only when <paramref name="readOnly"/>.</summary>
    Task<IssuedOperatorCredential> Issue(bool readOnly);

    /// <summary>Revokes a credential at once. NotFound for an unknown id. Revoking twice is a no-op.</summary>
    Task<OperatorCredentialRecord> Revoke(string credentialId);

    /// <summary>All issued operator credentials, newest first.</summary>
    Task<IReadOnlyList<OperatorCredentialRecord>> List();

    /// <summary>Checks a presented secret's hash against the credential <paramref name="credentialId"/>.</summary>
    Task<OperatorCredentialCheck> Check(string credentialId, byte[] secretHash);

    /// <summary>
    /// Whether the hub issued <paramref name="credentialId"/> and it has been revoked since; false for an id it did not
    /// issue (the host's own operator credential, which only its configuration can change).
    /// </summary>
    Task<bool> IsRevoked(string credentialId);
}

/// <summary>A stored operator credential: its public id, the hash of its secret and its role, never the secret.</summary>
[GenerateSerializer, Immutable]
public sealed record OperatorCredentialRecord
{
    /// <summary>Public id (part of the secret).</summary>
    [Id(0)] public required string Id { get; init; }

    /// <summary>SHA-256 of the whole secret.</summary>
    [Id(1)] public required byte[] SecretHash { get; init; }

    /// <summary>When it was issued.</summary>
    [Id(2)] public required DateTimeOffset IssuedAt { get; init; }

    /// <summary>When it was revoked, if it was.</summary>
    [Id(3)] public DateTimeOffset? RevokedAt { get; init; }

    /// <summary>Whether it may only read: every change asked with it is refused with PermissionDenied.</summary>
    [Id(4)] public bool ReadOnly { get; init; }

    /// <summary>Its state (an operator credential is never rotated: issue a new one and revoke the old).</summary>
    public CredentialStatus Status => RevokedAt is null ? CredentialStatus.Active : CredentialStatus.Revoked;
}

/// <summary>A newly issued operator credential and its secret, shown once.</summary>
[GenerateSerializer, Immutable]
public sealed record IssuedOperatorCredential
{
    /// <summary>The stored credential.</summary>
    [Id(0)] public required OperatorCredentialRecord Credential { get; init; }

    /// <summary>The secret to send as a bearer token.</summary>
    [Id(1)] public required string Secret { get; init; }
}

/// <summary>The outcome of checking a presented operator secret.</summary>
[GenerateSerializer, Immutable]
public sealed record OperatorCredentialCheck
{
    /// <summary>Whether the secret is valid now.</summary>
    [Id(0)] public required bool Valid { get; init; }

    /// <summary>Whether the credential may only read.</summary>
    [Id(1)] public bool ReadOnly { get; init; }
}
