using ClearingHouse.Application.Operations.Investigation;
using ClearingHouse.Grains.Locations;

namespace ClearingHouse.OperatorConsole.Pages;

/// <summary>One location with its EVSEs and their statuses.</summary>
public sealed class LocationModel : ConsolePage
{
    /// <summary>The location.</summary>
    public LocationData? Location { get; private set; }

    /// <summary>Reads it.</summary>
    public async Task OnGetAsync(string? cpo, string? id) =>
        Location = await Core<InvestigationFlow>().LocationAsync(Caller, RequiredParty(cpo, "cpo"), id ?? "");
}
