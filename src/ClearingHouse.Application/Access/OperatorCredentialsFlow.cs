using ClearingHouse.Application.Operations.Audit;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Credentials;
using ClearingHouse.Grains.Errors;

namespace ClearingHouse.Application.Access;

/// <summary>
/// The operator credentials the hub issues beside the host's own one: a full operator issues them (full or read-only),
/// lists and revokes them; each change lands in the audit log. A revoked one is refused at once on this silo.
/// </summary>
public sealed class OperatorCredentialsFlow(IGrainFactory grains, IdentityResolver identities, AuditLog audit)
{
    private IOperatorCredentialsGrain Grain => grains.GetGrain<IOperatorCredentialsGrain>(IOperatorCredentialsGrain.Key);

    /// <summary>Issues an operator credential (full operator only); the secret is in the result, shown only this once.</summary>
    public async Task<IssuedOperatorCredential> IssueAsync(CallerIdentity caller, bool readOnly, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(caller);
        caller.RequireFullOperator();
        HubException.ThrowIfInvalid(PartyRules.ValidateReason(reason), "reason");
        var issued = await Grain.Issue(readOnly);
        await audit.RecordAsync(caller, "credentials.issue", $"operator/{issued.Credential.Id}", WithReason(readOnly ? "issued read-only" : "issued full", reason));
        return issued;
    }

    /// <summary>Revokes an operator credential (full operator only); NotFound for an id the hub did not issue.</summary>
    public async Task<OperatorCredentialRecord> RevokeAsync(CallerIdentity caller, string credentialId, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(caller);
        caller.RequireFullOperator();
        HubException.ThrowIfInvalid(PartyRules.ValidateReason(reason), "reason");
        var revoked = await Grain.Revoke(credentialId ?? "");
        identities.Invalidate();
        await audit.RecordAsync(caller, "credentials.revoke", $"operator/{credentialId}", WithReason("revoked", reason));
        return revoked;
    }

    /// <summary>The issued operator credentials, newest first (any operator).</summary>
    public async Task<IReadOnlyList<OperatorCredentialRecord>> ListAsync(CallerIdentity caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        caller.RequireOperator();
        return await Grain.List();
    }

    /// <summary>
    /// Whether an operator credential a session was opened with has been revoked since (the console asks on each
    /// request, so revoking a credential ends its console sessions at once). False for the host's own credential.
    /// </summary>
    public Task<bool> IsRevokedAsync(string credentialId) => Grain.IsRevoked(credentialId ?? "");

    /// <summary>An audit detail with the operator's reason, when one was given.</summary>
    internal static string WithReason(string detail, string? reason) => string.IsNullOrWhiteSpace(reason) ? detail : $"{detail}; reason: {reason}";
}
