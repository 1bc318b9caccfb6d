using ClearingHouse.Domain.Parties;

namespace ClearingHouse.Grains.Parties;

/// <summary>The words every refusal of a party that is not active uses, so each edge and stream says the same.</summary>
public static class PartyRefusals
{
    /// <summary>"party X is suspended", "... is archived" or "... is not registered", by the party's status.</summary>
    public static string NotActive(PartyKey party, PartyStatus? status) => status switch
    {
        PartyStatus.Archived => $"party {party} is archived",
        null => $"party {party} is not registered",
        _ => $"party {party} is suspended",
    };
}
