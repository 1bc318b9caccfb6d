using ClearingHouse.Application.Access;
using ClearingHouse.Application.Operations.Audit;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Credentials;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Parties;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Application.Parties;

/// <summary>
/// Parties, credentials and roaming agreements, below every edge. The operator registers, suspends and reinstates parties,
/// issues credentials and sets or ends agreements; a party reads itself, lists its own agreements and lists, rotates or
/// revokes its own credentials. Every change is durable when it returns and applies at once on this silo: the directory is
/// refreshed, cached credential checks are dropped, and open streams are checked again (<see cref="LiveAccess"/>), so a
/// suspended party or a revoked credential has no open stream left when the call returns.
/// </summary>
public sealed partial class PartyAdminFlow(
    IGrainFactory grains,
    PartyDirectory directory,
    IdentityResolver identities,
    LiveAccess live,
    HubClock clock,
    AuditLog audit,
    IOptions<IdentityOptions> identityOptions,
    ILogger<PartyAdminFlow> logger)
{
    private IPartyRegistryGrain Registry => grains.GetGrain<IPartyRegistryGrain>(IPartyRegistryGrain.Key);

    /// <summary>Registers an active party (operator only); AlreadyExists when the key is taken.</summary>
    public async Task<PartyRecord> RegisterAsync(CallerIdentity caller, PartyKey key, string name)
    {
        ArgumentNullException.ThrowIfNull(caller);
        caller.RequireFullOperator();
        HubException.ThrowIfInvalid(PartyRules.ValidateName(name), "name");
        var party = await Registry.Register(key, name);
        await directory.GetFreshAsync();
        LogOperatorAction(logger, "RegisterParty", key.ToString(), caller.CredentialId);
        await audit.RecordAsync(caller, "parties.register", key.ToString(), $"registered as '{party.Name}'");
        return party;
    }

    /// <summary>A party, for the operator or the party itself; NotFound when not registered.</summary>
    public async Task<PartyRecord> GetAsync(CallerIdentity caller, PartyKey key)
    {
        ArgumentNullException.ThrowIfNull(caller);
        caller.RequireOperatorOrSelf(key);
        return await Registry.Get(key) ?? throw new HubException(HubErrorCode.NotFound, $"party {key} is not registered");
    }

    /// <summary>
    /// Parties by key (operator only), optionally of one role and country, after a position (a party key's text); archived
    /// ones only when <paramref name="includeArchived"/>.
    /// </summary>
    public async Task<Page<PartyRecord>> ListAsync(CallerIdentity caller, PartyRole? role, string? countryCode, string? after, int size, bool includeArchived = false)
    {
        ArgumentNullException.ThrowIfNull(caller);
        caller.RequireOperator();
        PartyKey? start = null;
        if (after is not null)
        {
            start = PartyKey.TryParse(after, out var k) ? k : throw BadToken();
        }

        if (!string.IsNullOrEmpty(countryCode))
        {
            HubException.ThrowIfInvalid(PartyRules.ValidateCountryCode(countryCode), "country_code");
        }

        var view = await directory.GetFreshAsync();
        var items = new List<PartyRecord>();
        foreach (var party in view.Snapshot.Parties)
        {
            if ((start is { } a && party.Key <= a)
                || (role is { } r && party.Key.Role != r)
                || (!string.IsNullOrEmpty(countryCode) && party.Key.CountryCode != countryCode)
                || (!includeArchived && party.Status == PartyStatus.Archived))
            {
                continue;
            }

            if (items.Count == size)
            {
                return new Page<PartyRecord>(items, items[^1].Key.ToString());
            }

            items.Add(party);
        }

        return new Page<PartyRecord>(items, null);
    }

    /// <summary>
    /// Suspends, archives or reinstates a party (operator only). A suspension or an archive ends the party's open streams
    /// and channels with PermissionDenied before this returns; an archived party is also left out of listings by default.
    /// </summary>
    public async Task<PartyRecord> SetStatusAsync(CallerIdentity caller, PartyKey key, PartyStatus status, string? reason)
    {
        ArgumentNullException.ThrowIfNull(caller);
        caller.RequireFullOperator();
        if (!Enum.IsDefined(status))
        {
            throw new HubException(HubErrorCode.InvalidArgument, "status must be ACTIVE, SUSPENDED or ARCHIVED", "status");
        }

        HubException.ThrowIfInvalid(PartyRules.ValidateReason(reason), "reason");
        var before = (await Registry.Get(key))?.Status;
        var party = await Registry.SetStatus(key, status, reason);
        await directory.GetFreshAsync();
        await live.RecheckNowAsync();
        var action = status switch
        {
            PartyStatus.Active => "reinstate",
            PartyStatus.Suspended => "suspend",
            _ => "archive",
        };
        LogOperatorAction(logger, $"{char.ToUpperInvariant(action[0])}{action[1..]}Party", key.ToString(), caller.CredentialId);
        var change = before == status ? $"already {Status(status)}" : $"{Status(before)} -> {Status(status)}";
        await audit.RecordAsync(caller, $"parties.{action}", key.ToString(), string.IsNullOrWhiteSpace(reason) ? change : $"{change}; reason: {reason}");
        return party;
    }

    /// <summary>Issues a credential to a party (operator only); the secret is in the result, shown only this once.</summary>
    public async Task<IssuedCredentialView> IssueCredentialAsync(CallerIdentity caller, PartyKey key, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(caller);
        caller.RequireFullOperator();
        var issued = await Credentials(key).Issue();
        LogOperatorAction(logger, "IssueCredential", $"{key}/{issued.Credential.Id}", caller.CredentialId);
        await audit.RecordAsync(caller, "credentials.issue", $"{key}/{issued.Credential.Id}", OperatorCredentialsFlow.WithReason("issued", reason));
        return View(issued);
    }

    /// <summary>Replaces a credential (operator or the party itself); the old one works for <c>Identity:RotationGracePeriod</c>.</summary>
    public async Task<IssuedCredentialView> RotateCredentialAsync(CallerIdentity caller, PartyKey key, string credentialId, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(caller);
        caller.RequireOperatorOrSelf(key);
        caller.RequireWrite();
        RequireCredentialId(credentialId);
        var issued = await Credentials(key).Rotate(credentialId, identityOptions.Value.RotationGracePeriod);
        identities.Invalidate();
        LogOperatorAction(logger, "RotateCredential", $"{key}/{credentialId}", caller.CredentialId);
        var oldUntil = issued.Previous?.ExpiresAt is { } expires ? $"; it works until {expires:yyyy-MM-ddTHH:mm:ssZ}" : "";
        await audit.RecordAsync(caller, "credentials.rotate", $"{key}/{credentialId}", OperatorCredentialsFlow.WithReason($"replaced by {issued.Credential.Id}{oldUntil}", reason));
        return View(issued);
    }

    /// <summary>
    /// Revokes a credential (operator or the party itself): calls with it are refused at once on this silo, and the
    /// streams and channels open with it end with PermissionDenied before this returns.
    /// </summary>
    public async Task<CredentialView> RevokeCredentialAsync(CallerIdentity caller, PartyKey key, string credentialId, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(caller);
        caller.RequireOperatorOrSelf(key);
        caller.RequireWrite();
        RequireCredentialId(credentialId);
        var revoked = await Credentials(key).Revoke(credentialId);
        identities.Invalidate();
        await live.RecheckNowAsync();
        LogOperatorAction(logger, "RevokeCredential", $"{key}/{credentialId}", caller.CredentialId);
        await audit.RecordAsync(caller, "credentials.revoke", $"{key}/{credentialId}", OperatorCredentialsFlow.WithReason("revoked", reason));
        return View(revoked, clock.UtcNow);
    }

    /// <summary>A party's credentials, newest first (operator or the party itself).</summary>
    public async Task<IReadOnlyList<CredentialView>> ListCredentialsAsync(CallerIdentity caller, PartyKey key)
    {
        ArgumentNullException.ThrowIfNull(caller);
        caller.RequireOperatorOrSelf(key);
        var now = clock.UtcNow;
        return (await Credentials(key).List()).Select(c => View(c, now)).ToList();
    }

    /// <summary>Creates or replaces the agreement between a CPO and an EMSP (operator only), from now unless <paramref name="validFrom"/> says otherwise.</summary>
    public async Task<AgreementView> SetAgreementAsync(CallerIdentity caller, PartyKey cpo, PartyKey emsp, DateTimeOffset? validFrom, DateTimeOffset? validUntil, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(caller);
        caller.RequireFullOperator();
        var now = clock.UtcNow;
        var agreement = await Registry.SetAgreement(cpo, emsp, validFrom ?? now, validUntil);
        var view = await directory.GetFreshAsync();
        // A new end date may already have passed: open streams stop that pair's items at once.
        await live.RecheckNowAsync();
        LogOperatorAction(logger, "SetAgreement", $"{cpo}|{emsp}", caller.CredentialId);
        var state = view.StateOf(agreement, now);
        var until = agreement.ValidUntil is { } u ? $" until {u:yyyy-MM-ddTHH:mm:ssZ}" : "";
        await audit.RecordAsync(caller, "agreements.set", $"{cpo}|{emsp}", OperatorCredentialsFlow.WithReason($"valid from {agreement.ValidFrom:yyyy-MM-ddTHH:mm:ssZ}{until}: {state.ToString().ToUpperInvariant()}", reason));
        return new AgreementView(agreement, state);
    }

    /// <summary>Ends an agreement (operator only), now unless <paramref name="endedAt"/> says otherwise; NotFound when there is none.</summary>
    public async Task<AgreementView> EndAgreementAsync(CallerIdentity caller, PartyKey cpo, PartyKey emsp, DateTimeOffset? endedAt, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(caller);
        caller.RequireFullOperator();
        var now = clock.UtcNow;
        var agreement = await Registry.EndAgreement(cpo, emsp, endedAt ?? now);
        var view = await directory.GetFreshAsync();
        await live.RecheckNowAsync();
        LogOperatorAction(logger, "EndAgreement", $"{cpo}|{emsp}", caller.CredentialId);
        await audit.RecordAsync(caller, "agreements.end", $"{cpo}|{emsp}", OperatorCredentialsFlow.WithReason($"ends {agreement.ValidUntil ?? now:yyyy-MM-ddTHH:mm:ssZ}", reason));
        return new AgreementView(agreement, view.StateOf(agreement, now));
    }

    /// <summary>
    /// Agreements by (CPO, EMSP): the operator's of any or one party, a party's only its own (PermissionDenied when it names
    /// another); ended ones only when <paramref name="includeEnded"/>; after a position (<c>CPO|EMSP</c>).
    /// </summary>
    public async Task<Page<AgreementView>> ListAgreementsAsync(CallerIdentity caller, PartyKey? party, bool includeEnded, string? after, int size)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.IsOperator)
        {
            if (party is { } asked && asked != caller.Party)
            {
                throw new HubException(HubErrorCode.PermissionDenied, "a party may only list its own agreements");
            }

            party = caller.Party;
        }

        var view = await directory.GetFreshAsync();
        var now = clock.UtcNow;
        var items = new List<AgreementView>();
        string? lastPosition = null;
        foreach (var agreement in view.Snapshot.Agreements)
        {
            var position = $"{agreement.Cpo}|{agreement.Emsp}";
            var state = view.StateOf(agreement, now);
            if ((after is not null && string.CompareOrdinal(position, after) <= 0)
                || (party is { } p && agreement.Cpo != p && agreement.Emsp != p)
                || (!includeEnded && state == AgreementState.Ended))
            {
                continue;
            }

            if (items.Count == size)
            {
                return new Page<AgreementView>(items, lastPosition);
            }

            items.Add(new AgreementView(agreement, state));
            lastPosition = position;
        }

        return new Page<AgreementView>(items, null);
    }

    private static CredentialView View(CredentialRecord credential, DateTimeOffset now) => new(credential, credential.StatusAt(now));

    private IssuedCredentialView View(IssuedCredential issued)
    {
        var now = clock.UtcNow;
        return new IssuedCredentialView(View(issued.Credential, now), issued.Secret, issued.Previous is { } p ? View(p, now) : null);
    }

    private IPartyCredentialsGrain Credentials(PartyKey key) => grains.GetGrain<IPartyCredentialsGrain>(key.ToString());

    private static void RequireCredentialId(string id)
    {
        if (id is not { Length: 12 } || !id.All(char.IsAsciiHexDigitLower))
        {
            throw new HubException(HubErrorCode.InvalidArgument, "credential_id must be the 12-character id the hub returned", "credential_id");
        }
    }

    private static string Status(PartyStatus? status) => status?.ToString().ToUpperInvariant() ?? "UNKNOWN";

    private static HubException BadToken() =>
        new(HubErrorCode.InvalidArgument, "page.page_token is not a token this hub returned", "page.page_token");

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Admin action {Action} on {Target} by credential {CredentialId}")]
    private static partial void LogOperatorAction(ILogger logger, string action, string target, string credentialId);
}
