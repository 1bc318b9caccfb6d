using ClearingHouse.Application.Operations.Investigation;

namespace ClearingHouse.OperatorConsole.Pages;

/// <summary>One authorization decision and its token.</summary>
public sealed class AuthorizationModel : ConsolePage
{
    /// <summary>The decision and its token.</summary>
    public AuthorizationTrail? Trail { get; private set; }

    /// <summary>Reads it.</summary>
    public async Task OnGetAsync(string? reference, CancellationToken cancellationToken) =>
        Trail = await Core<InvestigationFlow>().AuthorizationAsync(Caller, reference ?? "", cancellationToken);
}
