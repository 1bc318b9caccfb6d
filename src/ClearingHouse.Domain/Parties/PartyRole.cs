namespace ClearingHouse.Domain.Parties;

/// <summary>The role a party plays in roaming (OCPI <c>Role</c>, the two roles the hub connects).</summary>
public enum PartyRole
{
    /// <summary>Charge Point Operator.</summary>
    Cpo = 1,

    /// <summary>e-Mobility Service Provider.</summary>
    Emsp = 2,
}
