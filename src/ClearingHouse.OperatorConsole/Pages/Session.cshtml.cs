using ClearingHouse.Application.Operations;
using ClearingHouse.Application.Operations.Investigation;
using Microsoft.AspNetCore.Mvc;

namespace ClearingHouse.OperatorConsole.Pages;

/// <summary>One session with its authorization, and its resend.</summary>
public sealed class SessionModel : ConsolePage
{
    /// <summary>The session and its links.</summary>
    public SessionTrail? Trail { get; private set; }

    /// <summary>Reads it.</summary>
    public async Task OnGetAsync(string? cpo, string? id, CancellationToken cancellationToken) =>
        Trail = await Core<InvestigationFlow>().SessionAsync(Caller, RequiredParty(cpo, "cpo"), id ?? "", cancellationToken);

    /// <summary>Republishes it on its EMSP's session feed (audited).</summary>
    public async Task<IActionResult> OnPostResendAsync(string? cpo, string? id, string? reason, CancellationToken cancellationToken)
    {
        var party = RequiredParty(cpo, "cpo");
        var outcome = await Core<OpsFlow>().ResendSessionAsync(Caller, party, id ?? "", cancellationToken, Reason(reason));
        return Done(outcome, Links.Session(party, id!));
    }
}
