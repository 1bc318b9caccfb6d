using ClearingHouse.Application.Access;
using ClearingHouse.Application.Operations.Audit;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Parties;

namespace ClearingHouse.Ocpi.Credentials;

/// <summary>The operator's side of OCPI registrations: issue a party's TOKEN_A, list the registered platforms.</summary>
public sealed class OcpiPartners(IGrainFactory grains, PartyDirectory directory, OcpiAuthenticator authenticator, AuditLog audit)
{
    /// <summary>
    /// Issues (or re-issues: the previous one stops working) the TOKEN_A a registered party's platform registers with.
    /// Operator only; NotFound for a party the hub does not know. Recorded in the audit log (never the token).
    /// </summary>
    public async Task<string> IssueTokenAAsync(CallerIdentity caller, PartyKey party)
    {
        ArgumentNullException.ThrowIfNull(caller);
        caller.RequireFullOperator();
        if ((await directory.GetFreshAsync()).GetParty(party) is null)
        {
            throw new HubException(HubErrorCode.NotFound, $"party {party} is not registered");
        }

        var token = await grains.GetGrain<IOcpiPartnerGrain>(party.ToString()).IssueTokenA();
        authenticator.Invalidate();
        await audit.RecordAsync(caller, "ocpi.token_a", party.ToString(), "TOKEN_A issued; a previous one no longer registers");
        return token;
    }

    /// <summary>Every party with an OCPI token issued or a registration, in party order. Operator only.</summary>
    public async Task<IReadOnlyList<OcpiPartnerView>> ListAsync(CallerIdentity caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        caller.RequireOperator();
        var parties = (await directory.GetFreshAsync()).Snapshot.Parties.Select(p => p.Key).Order().ToArray();
        var views = await Task.WhenAll(parties.Select(p => grains.GetGrain<IOcpiPartnerGrain>(p.ToString()).Get()));
        return [.. views.Where(v => v.TokenAOutstanding || v.Registration is not null)];
    }
}
