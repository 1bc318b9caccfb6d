using ClearingHouse.Domain.Parties;

namespace ClearingHouse.Grains.Credentials;

/// <summary>The state of a credential at a given instant.</summary>
public enum CredentialStatus
{
    /// <summary>Authenticates calls.</summary>
    Active = 1,

    /// <summary>Rotated; still authenticates until its expiry.</summary>
    Rotating = 2,

    /// <summary>Rotated and past its grace period.</summary>
    Expired = 3,

    /// <summary>Revoked.</summary>
    Revoked = 4,
}

/// <summary>A stored credential: its public id and the hash of its secret, never the secret.</summary>
[GenerateSerializer, Immutable]
public sealed record CredentialRecord
{
    /// <summary>Public id (part of the secret).</summary>
    [Id(0)] public required string Id { get; init; }

    /// <summary>The party it belongs to.</summary>
    [Id(1)] public required PartyKey Party { get; init; }

    /// <summary>SHA-256 of the secret.</summary>
    [Id(2)] public required byte[] SecretHash { get; init; }

    /// <summary>When it was issued (UTC).</summary>
    [Id(3)] public required DateTimeOffset IssuedAt { get; init; }

    /// <summary>When a rotated credential stops working (UTC).</summary>
    [Id(4)] public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>When it was revoked (UTC).</summary>
    [Id(5)] public DateTimeOffset? RevokedAt { get; init; }

    /// <summary>The credential that replaced it on rotation.</summary>
    [Id(6)] public string? ReplacedBy { get; init; }

    /// <summary>The state at <paramref name="now"/>.</summary>
    public CredentialStatus StatusAt(DateTimeOffset now) =>
        RevokedAt is not null ? CredentialStatus.Revoked
        : ExpiresAt is null ? CredentialStatus.Active
        : now < ExpiresAt ? CredentialStatus.Rotating
        : CredentialStatus.Expired;
}

/// <summary>A credential just issued, with the secret that is shown only this once.</summary>
[GenerateSerializer, Immutable]
public sealed record IssuedCredential
{
    /// <summary>The stored credential.</summary>
    [Id(0)] public required CredentialRecord Credential { get; init; }

    /// <summary>The secret to send as a bearer token.</summary>
    [Id(1)] public required string Secret { get; init; }

    /// <summary>The credential it replaces, after a rotation.</summary>
    [Id(2)] public CredentialRecord? Previous { get; init; }
}

/// <summary>The outcome of checking a presented secret.</summary>
[GenerateSerializer, Immutable]
public sealed record CredentialCheck
{
    /// <summary>Whether the secret is valid now.</summary>
    [Id(0)] public required bool Valid { get; init; }

    /// <summary>Until when the answer may be cached: a rotating credential's expiry, else null.</summary>
    [Id(1)] public DateTimeOffset? ValidUntil { get; init; }
}
