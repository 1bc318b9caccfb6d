using ClearingHouse.Contracts.V1;
using ClearingHouse.LoadTests.Hub;

namespace ClearingHouse.LoadTests.Scenarios.Shared;

/// <summary>
/// Several test CPOs and EMSPs with agreements between every CPO and every EMSP, and one
/// whitelist-ALWAYS token per EMSP (<see cref="TokenUid"/>), provisioned through a
/// <see cref="TestPartyProvisioner"/> (which undoes it when disposed).
/// </summary>
public sealed class RoamingNetwork
{
    private RoamingNetwork(IReadOnlyList<TestCredential> cpos, IReadOnlyList<TestCredential> emsps)
    {
        Cpos = cpos;
        Emsps = emsps;
    }

    /// <summary>The CPOs, each with a credential.</summary>
    public IReadOnlyList<TestCredential> Cpos { get; }

    /// <summary>The EMSPs, each with a credential and one token.</summary>
    public IReadOnlyList<TestCredential> Emsps { get; }

    /// <summary>The uid of the EMSP's one token.</summary>
    public static string TokenUid(PartyRef emsp) => $"{emsp.PartyId}-SESSIONS";

    /// <summary>Registers the parties and agreements, and uploads one token per EMSP.</summary>
    public static async Task<RoamingNetwork> ProvisionAsync(TestPartyProvisioner provisioner, int cpos, int emsps, TokenService.TokenServiceClient tokens, CancellationToken cancellationToken)
    {
        var cpoParties = new List<TestCredential>();
        var emspParties = new List<TestCredential>();
        for (var i = 0; i < cpos; i++)
        {
            cpoParties.Add(await provisioner.ProvisionPartyAsync(PartyRole.Cpo, cancellationToken));
        }

        for (var i = 0; i < emsps; i++)
        {
            emspParties.Add(await provisioner.ProvisionPartyAsync(PartyRole.Emsp, cancellationToken));
        }

        foreach (var cpo in cpoParties)
        {
            foreach (var emsp in emspParties)
            {
                await provisioner.SetAgreementAsync(cpo.Party, emsp.Party, cancellationToken);
            }
        }

        foreach (var emsp in emspParties)
        {
            await tokens.PutTokenAsync(new PutTokenRequest { Token = TokenOf(emsp) }, Bearer.Headers(emsp.Secret), DateTime.UtcNow.AddSeconds(10), cancellationToken);
        }

        return new RoamingNetwork(cpoParties, emspParties);
    }

    private static Token TokenOf(TestCredential emsp) => new()
    {
        CountryCode = emsp.Party.Ref.CountryCode,
        PartyId = emsp.Party.Ref.PartyId,
        Uid = TokenUid(emsp.Party.Ref),
        Type = TokenType.Rfid,
        ContractId = $"NL-{emsp.Party.Ref.PartyId}-C0001",
        Issuer = "load test",
        Valid = true,
        Whitelist = WhitelistType.Always,
    };
}
