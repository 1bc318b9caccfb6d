using ClearingHouse.Application.Parties;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Parties;
using Microsoft.AspNetCore.Mvc;

namespace ClearingHouse.OperatorConsole.Pages;

/// <summary>One partner: its state, agreements and credentials; suspend, reinstate or archive with a reason.</summary>
public sealed class PartnerModel : ConsolePage
{
    /// <summary>The party.</summary>
    public PartyRecord? Record { get; private set; }

    /// <summary>Its agreements (one page).</summary>
    public IReadOnlyList<AgreementView> Agreements { get; private set; } = [];

    /// <summary>Where its next page of agreements starts.</summary>
    public string? AgreementsNext { get; private set; }

    /// <summary>Its credentials.</summary>
    public IReadOnlyList<CredentialView> Credentials { get; private set; } = [];

    /// <summary>Reads it.</summary>
    public async Task OnGetAsync(string? party, string? after)
    {
        var key = RequiredParty(party, "party");
        var parties = Core<PartyAdminFlow>();
        Record = await parties.GetAsync(Caller, key);
        var agreements = await parties.ListAgreementsAsync(Caller, key, includeEnded: true, after, Options.DefaultPageSize);
        (Agreements, AgreementsNext) = (agreements.Items, agreements.NextPosition);
        Credentials = await parties.ListCredentialsAsync(Caller, key);
    }

    /// <summary>Sets its state (the core ends its open streams and audits the change with the reason).</summary>
    public async Task<IActionResult> OnPostStatusAsync(string? party, string? status, string? reason)
    {
        var key = RequiredParty(party, "party");
        if (!Enum.TryParse<PartyStatus>(status, ignoreCase: true, out var target) || !Enum.IsDefined(target))
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"status must be one of {string.Join(", ", Enum.GetNames<PartyStatus>())}", "status");
        }

        var updated = await Core<PartyAdminFlow>().SetStatusAsync(Caller, key, target, Reason(reason));
        return Done($"{updated.Key} is now {updated.Status}", Links.Partner(updated.Key));
    }
}
