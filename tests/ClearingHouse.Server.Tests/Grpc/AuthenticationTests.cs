using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Health.V1;
using static ClearingHouse.Server.Tests.Infrastructure.Parties;

namespace ClearingHouse.Server.Tests.Grpc;

/// <summary>Identity on every call: who may call what, over real gRPC.</summary>
public sealed class AuthenticationTests(EmbeddedHubFixture fixture) : IClassFixture<EmbeddedHubFixture>
{
    private HubHost Hub => fixture.Hub;

    private PartyAdminService.PartyAdminServiceClient Admin(string? secret) => new(Hub.Channel(secret));

    private IdentityService.IdentityServiceClient Identity(string? secret) => new(Hub.Channel(secret));

    [Fact]
    public async Task WhoAmI_OperatorCredential_IsOperator()
    {
        var me = await Identity(Hub.OperatorSecret).WhoAmIAsync(new WhoAmIRequest());
        Assert.True(me.Operator);
        Assert.Null(me.Party);
    }

    [Fact]
    public async Task WhoAmI_PartyCredential_IsThatParty()
    {
        var party = Unique(PartyRole.Emsp);
        var secret = await RegisterWithCredentialAsync(Hub.Channel(Hub.OperatorSecret), party);

        var me = await Identity(secret).WhoAmIAsync(new WhoAmIRequest());
        Assert.False(me.Operator);
        Assert.Equal(party, me.Party);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-a-credential")]
    [InlineData("chs_NL-ABC-CPO_000000000000_0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("chs_operator_000000000000_0000000000000000000000000000000000000000000000000000000000000000")]
    public async Task Rejects_Call_WithMissingOrUnknownCredential(string? secret)
    {
        await AssertFails(StatusCode.Unauthenticated, () => Identity(secret).WhoAmIAsync(new WhoAmIRequest()).ResponseAsync);
        await AssertFails(StatusCode.Unauthenticated, () => Admin(secret).ListPartiesAsync(new ListPartiesRequest()).ResponseAsync);
    }

    [Fact]
    public async Task Call_WithAnotherPartysCredentialIdButWrongSecret_Unauthenticated()
    {
        var party = Unique(PartyRole.Cpo);
        var secret = await RegisterWithCredentialAsync(Hub.Channel(Hub.OperatorSecret), party);
        var forged = secret[..^4] + (secret.EndsWith("0000", StringComparison.Ordinal) ? "1111" : "0000");

        await AssertFails(StatusCode.Unauthenticated, () => Identity(forged).WhoAmIAsync(new WhoAmIRequest()).ResponseAsync);
    }

    [Fact]
    public async Task Party_CallingOperatorMethods_PermissionDenied()
    {
        var party = Unique(PartyRole.Cpo);
        var admin = Admin(await RegisterWithCredentialAsync(Hub.Channel(Hub.OperatorSecret), party));

        await AssertFails(StatusCode.PermissionDenied, () => admin.RegisterPartyAsync(new RegisterPartyRequest { Party = Unique(PartyRole.Cpo), Name = "x" }).ResponseAsync);
        await AssertFails(StatusCode.PermissionDenied, () => admin.ListPartiesAsync(new ListPartiesRequest()).ResponseAsync);
        await AssertFails(StatusCode.PermissionDenied, () => admin.IssueCredentialAsync(new IssueCredentialRequest { Party = party }).ResponseAsync);
        await AssertFails(StatusCode.PermissionDenied, () => admin.SuspendPartyAsync(new SuspendPartyRequest { Party = party }).ResponseAsync);
        await AssertFails(StatusCode.PermissionDenied, () => admin.SetAgreementAsync(new SetAgreementRequest { Cpo = party, Emsp = Unique(PartyRole.Emsp) }).ResponseAsync);
    }

    [Fact]
    public async Task Party_ReadingAnotherParty_PermissionDenied()
    {
        var (a, b) = (Unique(PartyRole.Cpo), Unique(PartyRole.Emsp));
        var secretA = await RegisterWithCredentialAsync(Hub.Channel(Hub.OperatorSecret), a);
        await RegisterWithCredentialAsync(Hub.Channel(Hub.OperatorSecret), b);
        var admin = Admin(secretA);

        Assert.Equal(a, (await admin.GetPartyAsync(new GetPartyRequest { Party = a })).Party.Ref);
        await AssertFails(StatusCode.PermissionDenied, () => admin.GetPartyAsync(new GetPartyRequest { Party = b }).ResponseAsync);
        await AssertFails(StatusCode.PermissionDenied, () => admin.ListCredentialsAsync(new ListCredentialsRequest { Party = b }).ResponseAsync);
        await AssertFails(StatusCode.PermissionDenied, () => admin.ListAgreementsAsync(new ListAgreementsRequest { Party = b }).ResponseAsync);
    }

    [Fact]
    public async Task SuspendedParty_Calls_PermissionDeniedUntilReinstated()
    {
        var party = Unique(PartyRole.Emsp);
        var identity = Identity(await RegisterWithCredentialAsync(Hub.Channel(Hub.OperatorSecret), party));
        await identity.WhoAmIAsync(new WhoAmIRequest());

        await Admin(Hub.OperatorSecret).SuspendPartyAsync(new SuspendPartyRequest { Party = party, Reason = "fraud investigation" });
        await AssertFails(StatusCode.PermissionDenied, () => identity.WhoAmIAsync(new WhoAmIRequest()).ResponseAsync);

        await Admin(Hub.OperatorSecret).ReinstatePartyAsync(new ReinstatePartyRequest { Party = party });
        Assert.Equal(party, (await identity.WhoAmIAsync(new WhoAmIRequest())).Party);
    }

    [Fact]
    public async Task RevokeCredential_StopsItAtOnceAndLeavesOthers()
    {
        var party = Unique(PartyRole.Cpo);
        var admin = Admin(Hub.OperatorSecret);
        var first = await RegisterWithCredentialAsync(Hub.Channel(Hub.OperatorSecret), party);
        var second = await admin.IssueCredentialAsync(new IssueCredentialRequest { Party = party });
        await Identity(first).WhoAmIAsync(new WhoAmIRequest());
        var firstId = (await Identity(first).WhoAmIAsync(new WhoAmIRequest())).CredentialId;

        var revoked = await admin.RevokeCredentialAsync(new RevokeCredentialRequest { Party = party, CredentialId = firstId });

        Assert.Equal(CredentialStatus.Revoked, revoked.Credential.Status);
        await AssertFails(StatusCode.Unauthenticated, () => Identity(first).WhoAmIAsync(new WhoAmIRequest()).ResponseAsync);
        Assert.Equal(party, (await Identity(second.Secret).WhoAmIAsync(new WhoAmIRequest())).Party);
    }

    [Fact]
    public async Task Party_RevokingItsOwnCredential_Allowed()
    {
        var party = Unique(PartyRole.Cpo);
        var secret = await RegisterWithCredentialAsync(Hub.Channel(Hub.OperatorSecret), party);
        var id = (await Identity(secret).WhoAmIAsync(new WhoAmIRequest())).CredentialId;

        await Admin(secret).RevokeCredentialAsync(new RevokeCredentialRequest { Party = party, CredentialId = id });

        await AssertFails(StatusCode.Unauthenticated, () => Identity(secret).WhoAmIAsync(new WhoAmIRequest()).ResponseAsync);
    }

    [Fact]
    public async Task IssueCredential_UnknownParty_FailedPrecondition()
    {
        await AssertFails(StatusCode.FailedPrecondition, () => Admin(Hub.OperatorSecret).IssueCredentialAsync(new IssueCredentialRequest { Party = Unique(PartyRole.Cpo) }).ResponseAsync);
    }

    [Fact]
    public async Task RevokeCredential_UnknownOrMalformedId_NotFoundOrInvalidArgument()
    {
        var party = Unique(PartyRole.Cpo);
        await RegisterWithCredentialAsync(Hub.Channel(Hub.OperatorSecret), party);
        var admin = Admin(Hub.OperatorSecret);

        await AssertFails(StatusCode.NotFound, () => admin.RevokeCredentialAsync(new RevokeCredentialRequest { Party = party, CredentialId = "0123456789ab" }).ResponseAsync);
        var ex = await AssertFails(StatusCode.InvalidArgument, () => admin.RevokeCredentialAsync(new RevokeCredentialRequest { Party = party, CredentialId = "nope" }).ResponseAsync);
        Assert.Equal(["credential_id"], ViolatedFields(ex));
    }

    [Fact]
    public async Task HealthAndReflection_NeedNoCredential()
    {
        var health = await new Health.HealthClient(Hub.Channel(null)).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);

        var reflection = new global::Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(Hub.Channel(null));
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new global::Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("clearinghouse.v1.PartyAdminService", services);
        Assert.Contains("clearinghouse.v1.IdentityService", services);
    }
}
