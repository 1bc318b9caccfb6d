using ClearingHouse.Application.Parties;
using ClearingHouse.Contracts.V1;
using OperatorCredentialRecord = ClearingHouse.Grains.Credentials.OperatorCredentialRecord;
using ClearingHouse.Grains.Parties;
using ClearingHouse.Server.Grpc;
using Google.Protobuf.WellKnownTypes;
using CoreCredentialStatus = ClearingHouse.Grains.Credentials.CredentialStatus;

namespace ClearingHouse.Server.PartyAdmin;

/// <summary>Credentials and agreements as the wire shows them.</summary>
public static class PartyProtoMapping
{
    /// <summary>The wire form of a credential (never its secret or hash).</summary>
    public static Credential ToProto(this CredentialView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        var credential = view.Credential;
        var proto = new Credential
        {
            CredentialId = credential.Id,
            Party = credential.Party.ToProto(),
            Status = view.Status switch
            {
                CoreCredentialStatus.Active => CredentialStatus.Active,
                CoreCredentialStatus.Rotating => CredentialStatus.Rotating,
                CoreCredentialStatus.Expired => CredentialStatus.Expired,
                _ => CredentialStatus.Revoked,
            },
            IssuedAt = Timestamp.FromDateTimeOffset(credential.IssuedAt),
            ReplacedBy = credential.ReplacedBy ?? string.Empty,
        };
        if (credential.ExpiresAt is { } expires)
        {
            proto.ExpiresAt = Timestamp.FromDateTimeOffset(expires);
        }

        if (credential.RevokedAt is { } revoked)
        {
            proto.RevokedAt = Timestamp.FromDateTimeOffset(revoked);
        }

        return proto;
    }

    /// <summary>The wire form of an operator credential the hub issued: no party, its role (never its secret or hash).</summary>
    public static Credential ToProto(this OperatorCredentialRecord credential)
    {
        ArgumentNullException.ThrowIfNull(credential);
        var proto = new Credential
        {
            CredentialId = credential.Id,
            Status = credential.Status == CoreCredentialStatus.Active ? CredentialStatus.Active : CredentialStatus.Revoked,
            IssuedAt = Timestamp.FromDateTimeOffset(credential.IssuedAt),
            ReadOnly = credential.ReadOnly,
        };
        if (credential.RevokedAt is { } revoked)
        {
            proto.RevokedAt = Timestamp.FromDateTimeOffset(revoked);
        }

        return proto;
    }

    /// <summary>The wire form of an agreement, with its state as the core judged it.</summary>
    public static Agreement ToProto(this AgreementView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        var agreement = view.Agreement;
        var proto = new Agreement
        {
            Cpo = agreement.Cpo.ToProto(),
            Emsp = agreement.Emsp.ToProto(),
            ValidFrom = Timestamp.FromDateTimeOffset(agreement.ValidFrom),
            UpdatedAt = Timestamp.FromDateTimeOffset(agreement.UpdatedAt),
            Status = view.State switch
            {
                AgreementState.Active => AgreementStatus.Active,
                AgreementState.Pending => AgreementStatus.Pending,
                AgreementState.Ended => AgreementStatus.Ended,
                _ => AgreementStatus.Suspended,
            },
        };
        if (agreement.ValidUntil is { } until)
        {
            proto.ValidUntil = Timestamp.FromDateTimeOffset(until);
        }

        return proto;
    }
}
