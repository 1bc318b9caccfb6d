using ClearingHouse.Grains.Credentials;
using ClearingHouse.Grains.Parties;

namespace ClearingHouse.Application.Parties;

/// <summary>An agreement and what it means now (active, pending, ended, or suspended through a party).</summary>
public sealed record AgreementView(AgreementRecord Agreement, AgreementState State);

/// <summary>A credential (never its secret) and its state now.</summary>
public sealed record CredentialView(CredentialRecord Credential, CredentialStatus Status);

/// <summary>A credential just issued or rotated in, its secret (shown only this once), and the one it replaces after a rotation.</summary>
public sealed record IssuedCredentialView(CredentialView Credential, string Secret, CredentialView? Previous);
