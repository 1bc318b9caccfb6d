using System.Globalization;
using ClearingHouse.Application.Parties;
using ClearingHouse.Domain.Parties;
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

    /// <summary>A secret just issued or rotated: shown on this one answer only (never in a redirect, cookie or log).</summary>
    public IssuedCredentialView? Issued { get; private set; }

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

    /// <summary>Issues a credential; its secret is shown on the answer to this post only.</summary>
    public async Task<IActionResult> OnPostIssueAsync(string? party, string? reason)
    {
        var key = RequiredParty(party, "party");
        Issued = await Core<PartyAdminFlow>().IssueCredentialAsync(Caller, key, Reason(reason));
        return await ShowSecretAsync(key);
    }

    /// <summary>Rotates a credential; the new secret is shown on the answer to this post only, the old one works for the grace period.</summary>
    public async Task<IActionResult> OnPostRotateAsync(string? party, string? credential, string? reason)
    {
        var key = RequiredParty(party, "party");
        Issued = await Core<PartyAdminFlow>().RotateCredentialAsync(Caller, key, credential ?? "", Reason(reason));
        return await ShowSecretAsync(key);
    }

    /// <summary>Revokes a credential at once (the core ends the streams open with it).</summary>
    public async Task<IActionResult> OnPostRevokeAsync(string? party, string? credential, string? reason)
    {
        var key = RequiredParty(party, "party");
        var revoked = await Core<PartyAdminFlow>().RevokeCredentialAsync(Caller, key, credential ?? "", Reason(reason));
        return Done($"credential {revoked.Credential.Id} of {key} is {revoked.Status}", Links.Partner(key));
    }

    /// <summary>Sets (creates or replaces) the agreement between this party and a counterpart, with its validity.</summary>
    public async Task<IActionResult> OnPostAgreementAsync(string? party, string? counterpart, string? validFrom, string? validUntil, string? reason)
    {
        var (key, cpo, emsp) = Pair(party, counterpart);
        var set = await Core<PartyAdminFlow>().SetAgreementAsync(Caller, cpo, emsp, Time(validFrom, "valid_from"), Time(validUntil, "valid_until"), Reason(reason));
        return Done($"agreement {cpo} / {emsp} is {set.State}", Links.Partner(key));
    }

    /// <summary>Ends the agreement between this party and a counterpart, now or at the time given.</summary>
    public async Task<IActionResult> OnPostEndAgreementAsync(string? party, string? counterpart, string? endedAt, string? reason)
    {
        var (key, cpo, emsp) = Pair(party, counterpart);
        var ended = await Core<PartyAdminFlow>().EndAgreementAsync(Caller, cpo, emsp, Time(endedAt, "ended_at"), Reason(reason));
        return Done($"agreement {cpo} / {emsp} ends {ended.Agreement.ValidUntil:u}", Links.Partner(key));
    }

    private async Task<IActionResult> ShowSecretAsync(PartyKey key)
    {
        await OnGetAsync(key.ToString(), after: null);
        return Page();
    }

    // This party and the counterpart, as (CPO, EMSP); the core refuses two of one role.
    private static (PartyKey Party, PartyKey Cpo, PartyKey Emsp) Pair(string? party, string? counterpart)
    {
        var key = RequiredParty(party, "party");
        var other = RequiredParty(counterpart, "counterpart");
        return key.Role == PartyRole.Cpo ? (key, key, other) : (key, other, key);
    }

    // A time typed as ISO 8601 (UTC when no offset is written); empty means "now" (or "open-ended" for valid_until).
    private static DateTimeOffset? Time(string? text, string field) =>
        string.IsNullOrWhiteSpace(text) ? null
        : DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t
        : throw new HubException(HubErrorCode.InvalidArgument, $"{field} '{text}' is not a time (ISO 8601, e.g. 2027-01-01T00:00:00Z)", field);
}
