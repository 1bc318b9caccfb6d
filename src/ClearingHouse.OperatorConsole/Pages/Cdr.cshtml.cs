using ClearingHouse.Application.Operations;
using ClearingHouse.Application.Operations.Investigation;
using Microsoft.AspNetCore.Mvc;

namespace ClearingHouse.OperatorConsole.Pages;

/// <summary>One CDR with everything linked to it, and its resend.</summary>
public sealed class CdrModel : ConsolePage
{
    /// <summary>The CDR and its links.</summary>
    public CdrTrail? Trail { get; private set; }

    /// <summary>Reads it.</summary>
    public async Task OnGetAsync(string? cpo, string? id, CancellationToken cancellationToken) =>
        Trail = await Core<InvestigationFlow>().CdrAsync(Caller, RequiredParty(cpo, "cpo"), id ?? "", cancellationToken);

    /// <summary>Requeues it on its EMSP's CDR feed (audited).</summary>
    public async Task<IActionResult> OnPostResendAsync(string? cpo, string? id, string? reason, CancellationToken cancellationToken)
    {
        var party = RequiredParty(cpo, "cpo");
        var outcome = await Core<OpsFlow>().ResendCdrAsync(Caller, party, id ?? "", cancellationToken, Reason(reason));
        return Done(outcome, Links.Cdr(party, id!));
    }
}
