using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Identity;
using ClearingHouse.Server.Tests.Infrastructure;
using static ClearingHouse.Server.Tests.Infrastructure.Parties;

using System.Runtime.Versioning;

namespace ClearingHouse.Server.Tests.Hosting;

/// <summary>The Embedded profile keeps its state and operator credential across a restart.</summary>
public sealed class EmbeddedRestartTests
{
    [Fact]
    public async Task Restart_SameDataDirectory_KeepsPartiesCredentialsAgreementsAndOperator()
    {
        using var data = new TempDirectory();
        var (cpo, emsp) = (Unique(PartyRole.Cpo), Unique(PartyRole.Emsp));
        string operatorSecret, cpoSecret;

        await using (var hub = await HubHost.StartEmbeddedAsync(data.Path))
        {
            operatorSecret = hub.OperatorSecret;
            cpoSecret = await RegisterWithCredentialAsync(hub.Channel(operatorSecret), cpo);
            await RegisterWithCredentialAsync(hub.Channel(operatorSecret), emsp);
            await new PartyAdminService.PartyAdminServiceClient(hub.Channel(operatorSecret)).SetAgreementAsync(new SetAgreementRequest { Cpo = cpo, Emsp = emsp });
        }

        await using (var hub = await HubHost.StartEmbeddedAsync(data.Path))
        {
            Assert.Equal(operatorSecret, hub.OperatorSecret);
            var me = await new IdentityService.IdentityServiceClient(hub.Channel(cpoSecret)).WhoAmIAsync(new WhoAmIRequest());
            Assert.Equal(cpo, me.Party);
            var agreements = await new PartyAdminService.PartyAdminServiceClient(hub.Channel(operatorSecret)).ListAgreementsAsync(new ListAgreementsRequest());
            var agreement = Assert.Single(agreements.Agreements);
            Assert.Equal((cpo, emsp, AgreementStatus.Active), (agreement.Cpo, agreement.Emsp, agreement.Status));
        }
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public async Task FirstStart_WritesOperatorCredentialReadableByOwnerOnly()
    {
        using var data = new TempDirectory();
        await using var hub = await HubHost.StartEmbeddedAsync(data.Path);

        var path = Path.Combine(data.Path, OperatorCredential.FileName);
        Assert.StartsWith("chs_operator_", hub.OperatorSecret, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task TwoDataDirectories_HaveDifferentOperatorSecrets()
    {
        using var a = new TempDirectory();
        using var b = new TempDirectory();
        string first;
        await using (var hub = await HubHost.StartEmbeddedAsync(a.Path))
        {
            first = hub.OperatorSecret;
        }

        await using (var hub = await HubHost.StartEmbeddedAsync(b.Path))
        {
            Assert.NotEqual(first, hub.OperatorSecret);
        }
    }
}
