using ClearingHouse.Application;
using ClearingHouse.Application.Operations;
using ClearingHouse.Application.Parties;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Parties;
using Microsoft.AspNetCore.Mvc;

namespace ClearingHouse.OperatorConsole.Pages;

/// <summary>The partners, keyset paged, with their connection health on this silo.</summary>
public sealed class PartnersModel : ConsolePage
{
    /// <summary>Role filter (Cpo, Emsp).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Role { get; set; }

    /// <summary>Country filter.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Country { get; set; }

    /// <summary>Whether archived parties are listed.</summary>
    [BindProperty(SupportsGet = true)]
    public bool Archived { get; set; }

    /// <summary>This page.</summary>
    public Page<PartyRecord>? Parties { get; private set; }

    /// <summary>Health by party.</summary>
    public IReadOnlyDictionary<PartyKey, PartnerHealthView> Health { get; private set; } = new Dictionary<PartyKey, PartnerHealthView>();

    /// <summary>Lists one page.</summary>
    public async Task OnGetAsync(string? after, int? size)
    {
        PartyRole? role = string.IsNullOrEmpty(Role) ? null
            : Enum.TryParse<PartyRole>(Role, ignoreCase: true, out var r) && Enum.IsDefined(r) ? r
            : throw new HubException(HubErrorCode.InvalidArgument, "role must be Cpo or Emsp", "role");
        Parties = await Core<PartyAdminFlow>().ListAsync(Caller, role, string.IsNullOrWhiteSpace(Country) ? null : Country.Trim(), after, PageSize(size), Archived);
        Health = (await Core<OpsFlow>().GetHealthAsync(Caller)).ToDictionary(h => h.Party);
    }
}
