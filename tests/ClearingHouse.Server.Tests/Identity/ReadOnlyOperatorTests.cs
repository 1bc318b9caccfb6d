using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;

namespace ClearingHouse.Server.Tests.Identity;

/// <summary>
/// A read-only operator credential over real gRPC: it reads what the operator reads, and every operator change asked
/// with it is refused with PermissionDenied by the core, with nothing changed; revoked, it no longer authenticates.
/// </summary>
public sealed class ReadOnlyOperatorTests(EmbeddedHubFixture fixture) : IClassFixture<EmbeddedHubFixture>
{
    private HubHost Hub => fixture.Hub;

    private PartyAdminService.PartyAdminServiceClient Admin => new(Hub.Channel(Hub.OperatorSecret));

    private async Task<(IssueCredentialResponse Issued, GrpcChannel Channel)> ReadOnlyAsync()
    {
        var issued = await Admin.IssueCredentialAsync(new IssueCredentialRequest { ReadOnly = true });
        Assert.Null(issued.Credential.Party);
        Assert.True(issued.Credential.ReadOnly, $"issued {issued.Credential}");
        Assert.StartsWith("chs_operator_", issued.Secret, StringComparison.Ordinal);
        return (issued, Hub.Channel(issued.Secret));
    }

    [Fact]
    public async Task IssueReadOnly_Reads_AllowedAsOperator()
    {
        var roaming = await Roaming.SetUpAsync(Hub);
        var (issued, channel) = await ReadOnlyAsync();

        var me = await new IdentityService.IdentityServiceClient(channel).WhoAmIAsync(new WhoAmIRequest());
        Assert.True(me.Operator && me.ReadOnly, $"whoami: {me}");
        Assert.Equal(issued.Credential.CredentialId, me.CredentialId);
        var parties = await new PartyAdminService.PartyAdminServiceClient(channel).ListPartiesAsync(new ListPartiesRequest());
        Assert.Contains(parties.Parties, p => p.Ref.Equals(roaming.Cpo));
        await new PartyAdminService.PartyAdminServiceClient(channel).GetPartyAsync(new GetPartyRequest { Party = roaming.Cpo });
        await new PartyAdminService.PartyAdminServiceClient(channel).ListCredentialsAsync(new ListCredentialsRequest { Party = roaming.Cpo });
        await new OpsService.OpsServiceClient(channel).GetHealthAsync(new GetHealthRequest());
        await new OpsService.OpsServiceClient(channel).ListAuditLogAsync(new ListAuditLogRequest());
        var operators = await new PartyAdminService.PartyAdminServiceClient(channel).ListCredentialsAsync(new ListCredentialsRequest());
        Assert.Contains(operators.Credentials, c => c.CredentialId == issued.Credential.CredentialId && c.ReadOnly);
    }

    [Fact]
    public async Task ReadOnly_MutatingOperatorRpcs_PermissionDeniedAndNothingChanged()
    {
        var roaming = await Roaming.SetUpAsync(Hub);
        var (_, channel) = await ReadOnlyAsync();
        var admin = new PartyAdminService.PartyAdminServiceClient(channel);
        var fresh = Parties.Unique(PartyRole.Cpo);
        var credentials = await Admin.ListCredentialsAsync(new ListCredentialsRequest { Party = roaming.Cpo });
        var credentialId = credentials.Credentials[0].CredentialId;
        var now = DateTimeOffset.UtcNow;

        (string Name, Func<Task> Call)[] calls =
        [
            ("RegisterParty", () => admin.RegisterPartyAsync(new RegisterPartyRequest { Party = fresh, Name = "refused" }).ResponseAsync),
            ("SuspendParty", () => admin.SuspendPartyAsync(new SuspendPartyRequest { Party = roaming.Cpo, Reason = "refused" }).ResponseAsync),
            ("ArchiveParty", () => admin.ArchivePartyAsync(new ArchivePartyRequest { Party = roaming.Cpo, Reason = "refused" }).ResponseAsync),
            ("IssueCredential (party)", () => admin.IssueCredentialAsync(new IssueCredentialRequest { Party = roaming.Cpo }).ResponseAsync),
            ("IssueCredential (operator)", () => admin.IssueCredentialAsync(new IssueCredentialRequest()).ResponseAsync),
            ("RotateCredential", () => admin.RotateCredentialAsync(new RotateCredentialRequest { Party = roaming.Cpo, CredentialId = credentialId }).ResponseAsync),
            ("RevokeCredential", () => admin.RevokeCredentialAsync(new RevokeCredentialRequest { Party = roaming.Cpo, CredentialId = credentialId }).ResponseAsync),
            ("SetAgreement", () => admin.SetAgreementAsync(new SetAgreementRequest { Cpo = roaming.Cpo, Emsp = roaming.Emsp, ValidUntil = Timestamp.FromDateTimeOffset(now.AddDays(1)) }).ResponseAsync),
            ("EndAgreement", () => admin.EndAgreementAsync(new EndAgreementRequest { Cpo = roaming.Cpo, Emsp = roaming.Emsp }).ResponseAsync),
            ("ResendCdr", () => new OpsService.OpsServiceClient(channel).ResendCdrAsync(new ResendCdrRequest { Cpo = roaming.Cpo, CdrId = "CDR-1" }).ResponseAsync),
            ("ResendSession", () => new OpsService.OpsServiceClient(channel).ResendSessionAsync(new ResendSessionRequest { Cpo = roaming.Cpo, SessionId = "S-1" }).ResponseAsync),
            ("MoveDispute", () => new DisputeService.DisputeServiceClient(channel).MoveDisputeAsync(new MoveDisputeRequest { Id = 1, To = DisputeState.Resolved, Reason = "refused" }).ResponseAsync),
            ("CloseStatement", () => new SettlementService.SettlementServiceClient(channel).CloseStatementAsync(new CloseStatementRequest
            {
                Cpo = roaming.Cpo, Emsp = roaming.Emsp, Currency = "EUR",
                From = Timestamp.FromDateTimeOffset(new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(-1)),
                To = Timestamp.FromDateTimeOffset(new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero)),
            }).ResponseAsync),
            ("IssueTokenA", () => new OcpiAdminService.OcpiAdminServiceClient(channel).IssueTokenAAsync(new IssueTokenARequest { Party = roaming.Cpo }).ResponseAsync),
        ];
        foreach (var (name, call) in calls)
        {
            var refused = await Assert.ThrowsAsync<RpcException>(call);
            Assert.True(refused.StatusCode == StatusCode.PermissionDenied && refused.Status.Detail.Contains("read-only", StringComparison.Ordinal),
                $"{name} with a read-only operator credential: {refused.StatusCode} '{refused.Status.Detail}', expected PermissionDenied naming read-only");
        }

        // Nothing changed: the party is active, its credential and agreement untouched, no party registered.
        var party = await Admin.GetPartyAsync(new GetPartyRequest { Party = roaming.Cpo });
        Assert.Equal(PartyStatus.Active, party.Party.Status);
        var after = await Admin.ListCredentialsAsync(new ListCredentialsRequest { Party = roaming.Cpo });
        Assert.Equal(credentials.Credentials, after.Credentials);
        var agreements = await Admin.ListAgreementsAsync(new ListAgreementsRequest { Party = roaming.Cpo });
        Assert.All(agreements.Agreements, a => Assert.Null(a.ValidUntil));
        await Parties.AssertFails(StatusCode.NotFound, () => Admin.GetPartyAsync(new GetPartyRequest { Party = fresh }).ResponseAsync);
        await new IdentityService.IdentityServiceClient(roaming.CpoChannel(Hub)).WhoAmIAsync(new WhoAmIRequest());
    }

    [Fact]
    public async Task FullIssued_ThenRevoked_ChangesThenUnauthenticatedAndAudited()
    {
        var issued = await Admin.IssueCredentialAsync(new IssueCredentialRequest());
        Assert.False(issued.Credential.ReadOnly);
        var full = new PartyAdminService.PartyAdminServiceClient(Hub.Channel(issued.Secret));
        var party = Parties.Unique(PartyRole.Emsp);
        await full.RegisterPartyAsync(new RegisterPartyRequest { Party = party, Name = "by an issued full operator" });

        var revoked = await Admin.RevokeCredentialAsync(new RevokeCredentialRequest { CredentialId = issued.Credential.CredentialId });
        Assert.Equal(CredentialStatus.Revoked, revoked.Credential.Status);
        await Parties.AssertFails(StatusCode.Unauthenticated, () => full.GetPartyAsync(new GetPartyRequest { Party = party }).ResponseAsync);

        var audit = await new OpsService.OpsServiceClient(Hub.Channel(Hub.OperatorSecret)).ListAuditLogAsync(new ListAuditLogRequest { Target = $"operator/{issued.Credential.CredentialId}" });
        var actions = audit.Entries.Select(e => $"{e.Action}: {e.Detail}").ToList();
        Assert.True(actions.Contains("credentials.issue: issued full") && actions.Contains("credentials.revoke: revoked"), $"audit: {string.Join(" | ", actions)}");
    }
}
