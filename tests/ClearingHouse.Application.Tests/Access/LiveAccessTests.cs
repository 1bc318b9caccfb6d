using ClearingHouse.Application.Access;
using ClearingHouse.Application.Tests.Infrastructure;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Credentials;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Parties;

namespace ClearingHouse.Application.Tests.Access;

/// <summary>
/// <see cref="LiveAccess"/> on a real cluster, as any stream adopts it (one <see cref="LiveAccess.RunAsync"/>). The changes
/// are made on the registry and credentials grains directly, as through another silo: only the periodic pass
/// (every <c>Directory:RefreshInterval</c>, 200 ms here) can notice them.
/// </summary>
public sealed class LiveAccessTests(CoreCluster hub) : IClassFixture<CoreCluster>
{
    private IPartyRegistryGrain Registry => hub.Grains.GetGrain<IPartyRegistryGrain>(IPartyRegistryGrain.Key);

    [Fact]
    public async Task RunAsync_PartySuspendedElsewhere_EndsPermissionDeniedWithinAPass()
    {
        var emsp = await hub.RegisterAsync("DE-LA1-EMSP");
        var (run, _) = await OpenAsync(await CallerAsync(emsp));

        await Registry.SetStatus(emsp, PartyStatus.Suspended, "core test");

        var ex = await Assert.ThrowsAsync<HubException>(() => run.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(HubErrorCode.PermissionDenied, ex.Code);
        Assert.Contains("suspended", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_CredentialRevokedElsewhere_EndsPermissionDeniedOtherCredentialStaysOpen()
    {
        var cpo = await hub.RegisterAsync("NL-LA2-CPO");
        var revoked = await CallerAsync(cpo);
        var kept = await CallerAsync(cpo);
        var (run, _) = await OpenAsync(revoked);
        var (other, otherStream) = await OpenAsync(kept);

        await Credentials(cpo).Revoke(revoked.CredentialId);

        var ex = await Assert.ThrowsAsync<HubException>(() => run.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(HubErrorCode.PermissionDenied, ex.Code);
        Assert.Contains("revoked", ex.Message, StringComparison.Ordinal);
        // The party's other credential is not revoked: its stream is watched but not denied.
        await hub.Get<LiveAccess>().RecheckNowAsync();
        Assert.Null(otherStream.Denial);
        Assert.False(other.IsCompleted);
    }

    [Fact]
    public async Task MayReceiveFromAsync_AgreementEnded_StopsThatCpoOnlyStreamStaysOpen()
    {
        var cpo = await hub.RegisterAsync("NL-LA3-CPO");
        var stillAgreed = await hub.RegisterAsync("NL-LA4-CPO");
        var emsp = await hub.RegisterAsync("DE-LA3-EMSP");
        await hub.AgreeAsync(cpo, emsp);
        await hub.AgreeAsync(stillAgreed, emsp);
        await hub.WaitForDirectoryAsync(v => v.GetAgreement(stillAgreed, emsp) is not null);
        using var stream = hub.Get<LiveAccess>().Open(await CallerAsync(emsp), CancellationToken.None);
        Assert.True(await stream.MayReceiveFromAsync(cpo));

        await Registry.EndAgreement(cpo, emsp, DateTimeOffset.UtcNow.AddSeconds(-1));
        await hub.WaitForDirectoryAsync(v => v.GetAgreement(cpo, emsp)?.ValidUntil is not null);

        Assert.False(await stream.MayReceiveFromAsync(cpo), "an ended agreement stops that CPO's items");
        Assert.True(await stream.MayReceiveFromAsync(stillAgreed), "the other agreement still flows");
        await hub.Get<LiveAccess>().RecheckNowAsync();
        Assert.Null(stream.Denial);
    }

    private IPartyCredentialsGrain Credentials(PartyKey party) => hub.Grains.GetGrain<IPartyCredentialsGrain>(party.ToString());

    // A new credential of the party, as the edge would have resolved it.
    private async Task<CallerIdentity> CallerAsync(PartyKey party) => new(party, (await Credentials(party).Issue()).Credential.Id);

    // A stream body that waits until it is stopped; returns once it runs.
    private async Task<(Task Run, LiveStream Stream)> OpenAsync(CallerIdentity caller)
    {
        var opened = new TaskCompletionSource<LiveStream>(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = hub.Get<LiveAccess>().RunAsync(caller, async stream =>
        {
            opened.SetResult(stream);
            await Task.Delay(Timeout.Infinite, stream.Token);
        }, CancellationToken.None);
        return (run, await opened.Task.WaitAsync(TimeSpan.FromSeconds(20)));
    }
}
