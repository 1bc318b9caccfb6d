using ClearingHouse.Application.Access;
using ClearingHouse.Application.Operations.Audit;
using ClearingHouse.Application.Parties;
using ClearingHouse.Application.Tests.Infrastructure;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Operations;
using ClearingHouse.Grains.Parties;

namespace ClearingHouse.Application.Tests.Parties;

/// <summary>Party administration at the core: every change of who may do what is in the audit log; archived parties.</summary>
public sealed class PartyAdminFlowTests(CoreCluster hub) : IClassFixture<CoreCluster>
{
    private static readonly CallerIdentity Operator = new(null, "0perat0r0000");

    [Fact]
    public async Task EveryTrustChange_IsInTheAuditLog_WithWhoWhatAndReason()
    {
        var parties = hub.Get<PartyAdminFlow>();
        var cpo = Key("AU1", PartyRole.Cpo);
        var emsp = Key("AU1", PartyRole.Emsp);

        await parties.RegisterAsync(Operator, cpo, "Audit CPO");
        await parties.RegisterAsync(Operator, emsp, "Audit EMSP");
        await parties.SetStatusAsync(Operator, cpo, PartyStatus.Suspended, "unpaid invoices");
        await parties.SetStatusAsync(Operator, cpo, PartyStatus.Active, "paid");
        var issued = await parties.IssueCredentialAsync(Operator, cpo);
        var self = new CallerIdentity(cpo, issued.Credential.Credential.Id);
        var rotated = await parties.RotateCredentialAsync(self, cpo, issued.Credential.Credential.Id);
        await parties.RevokeCredentialAsync(Operator, cpo, rotated.Credential.Credential.Id);
        await parties.SetAgreementAsync(Operator, cpo, emsp, null, null);
        await parties.EndAgreementAsync(Operator, cpo, emsp, null);

        var page = await hub.Get<AuditLog>().ListAsync(Operator, new AuditQuery { Limit = 100, Target = cpo.ToString() }, CancellationToken.None);
        var entries = page.Entries.Reverse().ToList();

        Assert.Equal(
            ["parties.register", "parties.suspend", "parties.reinstate", "credentials.issue", "credentials.rotate", "credentials.revoke", "agreements.set", "agreements.end"],
            entries.Select(e => e.Action));
        Assert.Contains("reason: unpaid invoices", entries[1].Detail, StringComparison.Ordinal);
        Assert.Equal($"{cpo} ({issued.Credential.Credential.Id})", entries[4].Actor);
        Assert.Contains(rotated.Credential.Credential.Id, entries[4].Detail, StringComparison.Ordinal);
        Assert.All(entries.Where(e => e != entries[4]), e => Assert.Equal("operator (0perat0r0000)", e.Actor));
        Assert.Equal($"{cpo}|{emsp}", entries[^1].Target);
        Assert.Equal(0, page.NextBeforeSequence);
    }

    [Fact]
    public async Task ListAsync_ArchivedParty_HiddenUnlessAskedAndRefusedLikeASuspension()
    {
        var parties = hub.Get<PartyAdminFlow>();
        var kept = Key("AR1", PartyRole.Cpo);
        var archived = Key("AR2", PartyRole.Cpo);
        await parties.RegisterAsync(Operator, kept, "Kept");
        await parties.RegisterAsync(Operator, archived, "Load test party");

        var party = await parties.SetStatusAsync(Operator, archived, PartyStatus.Archived, "load test ended");

        Assert.Equal(PartyStatus.Archived, party.Status);
        var shown = (await parties.ListAsync(Operator, PartyRole.Cpo, "NL", null, 1000)).Items.Select(p => p.Key).ToList();
        var all = (await parties.ListAsync(Operator, PartyRole.Cpo, "NL", null, 1000, includeArchived: true)).Items.Select(p => p.Key).ToList();
        Assert.Contains(kept, shown);
        Assert.DoesNotContain(archived, shown);
        Assert.Contains(archived, all);
        Assert.False((await hub.WaitForDirectoryAsync(v => v.GetParty(archived)?.Status == PartyStatus.Archived)).IsActive(archived));
        var refused = await Assert.ThrowsAsync<HubException>(() => parties.SetAgreementAsync(Operator, archived, Key("AR2", PartyRole.Emsp), null, null));
        Assert.Equal(HubErrorCode.FailedPrecondition, refused.Code);
        Assert.Equal($"party {archived} is archived", refused.Message);
        var issued = await parties.IssueCredentialAsync(Operator, archived);
        var denied = await Assert.ThrowsAsync<HubException>(async () => await hub.Get<IdentityResolver>().ResolveAsync($"Bearer {issued.Secret}"));
        Assert.Equal(HubErrorCode.PermissionDenied, denied.Code);
        Assert.Equal($"party {archived} is archived", denied.Message);
        Assert.Equal(PartyStatus.Active, (await parties.SetStatusAsync(Operator, archived, PartyStatus.Active, null)).Status);
    }

    [Fact]
    public async Task AuditLog_ListByAParty_PermissionDenied()
    {
        var ex = await Assert.ThrowsAsync<HubException>(() => hub.Get<AuditLog>().ListAsync(new CallerIdentity(Key("AU9", PartyRole.Cpo), "x"), new AuditQuery { Limit = 1 }, CancellationToken.None));

        Assert.Equal(HubErrorCode.PermissionDenied, ex.Code);
    }

    private static PartyKey Key(string id, PartyRole role) => new(role == PartyRole.Cpo ? "NL" : "DE", id, role);
}
