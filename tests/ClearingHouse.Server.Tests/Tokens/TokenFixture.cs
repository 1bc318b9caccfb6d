using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;
using static ClearingHouse.Server.Tests.Infrastructure.Parties;

namespace ClearingHouse.Server.Tests.Tokens;

/// <summary>A roaming pair (CPO + EMSP with an agreement) on a hub, with clients for both.</summary>
public sealed record RoamingPair(PartyRef Cpo, PartyRef Emsp, GrpcChannel CpoChannel, GrpcChannel EmspChannel)
{
    public TokenService.TokenServiceClient CpoTokens => new(CpoChannel);

    public TokenService.TokenServiceClient EmspTokens => new(EmspChannel);

    /// <summary>Registers a CPO and an EMSP with credentials and an active agreement on <paramref name="hub"/>.</summary>
    public static async Task<RoamingPair> CreateAsync(HubHost hub, bool agreement = true, HubHost? emspHub = null)
    {
        var admin = hub.Channel(hub.OperatorSecret);
        var (cpo, emsp) = (Unique(PartyRole.Cpo, "DE"), Unique(PartyRole.Emsp, "DE"));
        var cpoSecret = await RegisterWithCredentialAsync(admin, cpo);
        var emspSecret = await RegisterWithCredentialAsync(admin, emsp);
        if (agreement)
        {
            await new PartyAdminService.PartyAdminServiceClient(admin).SetAgreementAsync(new SetAgreementRequest { Cpo = cpo, Emsp = emsp });
        }

        return new RoamingPair(cpo, emsp, hub.Channel(cpoSecret), (emspHub ?? hub).Channel(emspSecret));
    }

    /// <summary>A valid token of this pair's EMSP.</summary>
    public Token Token(string uid, WhitelistType whitelist, bool valid = true, TokenType type = TokenType.Rfid) => new()
    {
        CountryCode = Emsp.CountryCode,
        PartyId = Emsp.PartyId,
        Uid = uid,
        Type = type,
        ContractId = $"DE-{Emsp.PartyId}-C{uid}"[..Math.Min(36, 8 + uid.Length)],
        Issuer = "Test Mobility",
        Valid = valid,
        Whitelist = whitelist,
        LastUpdated = Timestamp.FromDateTime(new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc)),
    };

    /// <summary>Puts a token and returns it.</summary>
    public async Task<Token> PutAsync(string uid, WhitelistType whitelist, bool valid = true, TokenType type = TokenType.Rfid)
    {
        var token = Token(uid, whitelist, valid, type);
        await EmspTokens.PutTokenAsync(new PutTokenRequest { Token = token });
        return token;
    }

    /// <summary>The CPO authorizes a token at location LOC1.</summary>
    public async Task<AuthorizeResponse> AuthorizeAsync(string uid, TokenType type = TokenType.Rfid, DateTime? deadline = null) =>
        await CpoTokens.AuthorizeAsync(
            new AuthorizeRequest { Uid = uid, Type = type, Location = new LocationReferences { LocationId = "LOC1", EvseUids = { "EVSE1" } } },
            deadline: deadline ?? DateTime.UtcNow.AddSeconds(30));
}
