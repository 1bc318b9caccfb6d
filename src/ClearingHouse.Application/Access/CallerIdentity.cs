using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Errors;

namespace ClearingHouse.Application.Access;

/// <summary>
/// Who is calling: the hub operator or one party, and with which credential. An operator credential may be read-only:
/// it reads everything the operator reads, and every change asked with it is refused (<see cref="RequireWrite"/>).
/// </summary>
public sealed record CallerIdentity(PartyKey? Party, string CredentialId)
{
    /// <summary>The credential id of <see cref="Delivery"/>; no issued credential has it.</summary>
    public const string DeliveryCredentialId = "hub-delivery";

    /// <summary>
    /// The hub reading a party's feeds to push them to the party's own platform (OCPI pushes): the party's access rules
    /// (suspension, agreements) apply as to its own streams; there is no credential of the party to revoke.
    /// </summary>
    public static CallerIdentity Delivery(PartyKey party) => new(party, DeliveryCredentialId);

    /// <summary>Whether the caller is the hub operator (full or read-only).</summary>
    public bool IsOperator => Party is null;

    /// <summary>Whether the caller is an operator whose credential may only read.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>
    /// PermissionDenied when the caller may not change anything (a read-only operator). Every core action that changes
    /// state calls it first, whoever may call it otherwise, so the refusal is the same on every edge.
    /// </summary>
    public void RequireWrite()
    {
        if (ReadOnly)
        {
            throw new HubException(HubErrorCode.PermissionDenied, $"operator credential {CredentialId} is read-only: it may not change anything");
        }
    }

    /// <summary>PermissionDenied unless the caller is the operator with a full (not read-only) credential.</summary>
    public void RequireFullOperator()
    {
        RequireOperator();
        RequireWrite();
    }

    /// <summary>PermissionDenied unless the caller is the operator.</summary>
    public void RequireOperator()
    {
        if (!IsOperator)
        {
            throw new HubException(HubErrorCode.PermissionDenied, "only the hub operator may call this method");
        }
    }

    /// <summary>PermissionDenied unless the caller is the operator or the party <paramref name="party"/> itself.</summary>
    public void RequireOperatorOrSelf(PartyKey party)
    {
        if (!IsOperator && Party != party)
        {
            throw new HubException(HubErrorCode.PermissionDenied, $"a party may only act on itself, not on {party}");
        }
    }

    /// <summary>The party calling, or PermissionDenied unless it is a party of <paramref name="role"/>.</summary>
    public PartyKey RequireParty(PartyRole role)
    {
        if (Party is not { } party || party.Role != role)
        {
            throw new HubException(HubErrorCode.PermissionDenied, $"only a party with role {role.ToString().ToUpperInvariant()} may call this method");
        }

        return party;
    }
}
