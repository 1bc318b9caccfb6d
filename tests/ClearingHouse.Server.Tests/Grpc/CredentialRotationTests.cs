using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.Time.Testing;
using static ClearingHouse.Server.Tests.Infrastructure.Parties;

namespace ClearingHouse.Server.Tests.Grpc;

/// <summary>Rotation grace periods, with the hub's clock faked (no sleeping).</summary>
public sealed class CredentialRotationTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private HubHost _hub = null!;

    public async Task InitializeAsync() =>
        _hub = await HubHost.StartEmbeddedAsync(_data.Path, _time, new Dictionary<string, string?>
        {
            ["Identity:RotationGracePeriod"] = "01:00:00",
            ["Identity:CacheTtl"] = "00:00:05",
        });

    public async Task DisposeAsync()
    {
        await _hub.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task RotateCredential_OldWorksDuringGraceThenStops()
    {
        var party = Unique(PartyRole.Cpo);
        var oldSecret = await RegisterWithCredentialAsync(_hub.Channel(_hub.OperatorSecret), party);
        var identity = new IdentityService.IdentityServiceClient(_hub.Channel(oldSecret));
        var oldId = (await identity.WhoAmIAsync(new WhoAmIRequest())).CredentialId;

        // The party rotates its own credential.
        var rotated = await new PartyAdminService.PartyAdminServiceClient(_hub.Channel(oldSecret))
            .RotateCredentialAsync(new RotateCredentialRequest { Party = party, CredentialId = oldId });

        Assert.Equal(CredentialStatus.Rotating, rotated.Previous.Status);
        Assert.Equal(_time.GetUtcNow().AddHours(1), rotated.Previous.ExpiresAt.ToDateTimeOffset());
        Assert.Equal(rotated.Credential.CredentialId, rotated.Previous.ReplacedBy);
        var newIdentity = new IdentityService.IdentityServiceClient(_hub.Channel(rotated.Secret));
        Assert.Equal(rotated.Credential.CredentialId, (await newIdentity.WhoAmIAsync(new WhoAmIRequest())).CredentialId);

        _time.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(oldId, (await identity.WhoAmIAsync(new WhoAmIRequest())).CredentialId);

        _time.Advance(TimeSpan.FromMinutes(2));
        await AssertFails(StatusCode.Unauthenticated, () => identity.WhoAmIAsync(new WhoAmIRequest()).ResponseAsync);
        Assert.Equal(party, (await newIdentity.WhoAmIAsync(new WhoAmIRequest())).Party);

        var list = await new PartyAdminService.PartyAdminServiceClient(_hub.Channel(_hub.OperatorSecret)).ListCredentialsAsync(new ListCredentialsRequest { Party = party });
        Assert.Equal([CredentialStatus.Active, CredentialStatus.Expired], list.Credentials.Select(c => c.Status));
    }

    [Fact]
    public async Task RotateCredential_NotActive_FailedPrecondition()
    {
        var party = Unique(PartyRole.Emsp);
        var secret = await RegisterWithCredentialAsync(_hub.Channel(_hub.OperatorSecret), party);
        var id = (await new IdentityService.IdentityServiceClient(_hub.Channel(secret)).WhoAmIAsync(new WhoAmIRequest())).CredentialId;
        var admin = new PartyAdminService.PartyAdminServiceClient(_hub.Channel(_hub.OperatorSecret));
        await admin.RotateCredentialAsync(new RotateCredentialRequest { Party = party, CredentialId = id });

        await AssertFails(StatusCode.FailedPrecondition, () => admin.RotateCredentialAsync(new RotateCredentialRequest { Party = party, CredentialId = id }).ResponseAsync);
    }

    [Fact]
    public async Task Agreement_WithEndDate_EndsWhenTimePasses()
    {
        var (cpo, emsp) = (Unique(PartyRole.Cpo), Unique(PartyRole.Emsp));
        var admin = new PartyAdminService.PartyAdminServiceClient(_hub.Channel(_hub.OperatorSecret));
        await admin.RegisterPartyAsync(new RegisterPartyRequest { Party = cpo, Name = "CPO" });
        await admin.RegisterPartyAsync(new RegisterPartyRequest { Party = emsp, Name = "EMSP" });
        await admin.SetAgreementAsync(new SetAgreementRequest
        {
            Cpo = cpo,
            Emsp = emsp,
            ValidUntil = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(_time.GetUtcNow().AddDays(30)),
        });

        Assert.Equal(AgreementStatus.Active, (await admin.ListAgreementsAsync(new ListAgreementsRequest { Party = cpo })).Agreements.Single().Status);
        _time.Advance(TimeSpan.FromDays(31));
        Assert.Equal(AgreementStatus.Ended, (await admin.ListAgreementsAsync(new ListAgreementsRequest { Party = cpo, IncludeEnded = true })).Agreements.Single().Status);
    }
}
