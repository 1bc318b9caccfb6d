using ClearingHouse.Application.Access;
using ClearingHouse.Application.Tests.Infrastructure;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Parties;

namespace ClearingHouse.Application.Tests.Access;

/// <summary>The one access policy against a real registry grain and the silo's directory.</summary>
public sealed class AccessPolicyTests(CoreCluster hub) : IClassFixture<CoreCluster>
{
    [Fact]
    public async Task MayExchange_AgreementThenSuspension_FollowsTheRegistry()
    {
        var cpo = await hub.RegisterAsync("NL-AP1-CPO");
        var emsp = await hub.RegisterAsync("DE-AP1-EMSP");
        var policy = hub.Get<AccessPolicy>();

        var view = await hub.WaitForDirectoryAsync(v => v.GetParty(emsp) is not null);
        Assert.False(policy.MayExchange(view, cpo, emsp));
        await Assert.ThrowsAsync<HubException>(async () => await policy.RequireExchangeAsync(cpo, emsp));

        await hub.AgreeAsync(cpo, emsp);
        view = await hub.WaitForDirectoryAsync(v => v.GetAgreement(cpo, emsp) is not null);
        Assert.True(policy.MayExchange(view, cpo, emsp));
        Assert.Contains(cpo, policy.AgreedCpos(view, emsp));
        Assert.Contains(emsp, policy.AgreedEmsps(view, cpo));
        Assert.True(policy.MayRead(view, new CallerIdentity(emsp, "c1"), cpo));

        await hub.Grains.GetGrain<IPartyRegistryGrain>(IPartyRegistryGrain.Key).SetStatus(emsp, PartyStatus.Suspended, "test");
        view = await hub.WaitForDirectoryAsync(v => !v.IsActive(emsp));
        Assert.False(policy.MayExchange(view, cpo, emsp));
        Assert.False(policy.MayRead(view, new CallerIdentity(emsp, "c1"), cpo));
        Assert.True(policy.MayRead(view, new CallerIdentity(null, "operator"), cpo));
    }

    [Fact]
    public async Task MayRead_PartiesWithoutAgreement_AreRefused()
    {
        var cpo = await hub.RegisterAsync("NL-AP2-CPO");
        var emsp = await hub.RegisterAsync("DE-AP2-EMSP");
        var other = await hub.RegisterAsync("NL-AP3-CPO");
        var view = await hub.WaitForDirectoryAsync(v => v.GetParty(other) is not null);
        var policy = hub.Get<AccessPolicy>();

        Assert.False(policy.MayRead(view, new CallerIdentity(emsp, "c1"), cpo));
        Assert.False(policy.MayRead(view, new CallerIdentity(other, "c1"), cpo));
        Assert.True(policy.MayRead(view, new CallerIdentity(cpo, "c1"), cpo));
    }
}
