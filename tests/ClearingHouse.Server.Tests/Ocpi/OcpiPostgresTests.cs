using System.Net.Http.Headers;
using System.Text;
using ClearingHouse.Application.Access;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Credentials;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Ocpi.Credentials;
using ClearingHouse.Ocpi.Hosting;
using ClearingHouse.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static ClearingHouse.Server.Tests.Ocpi.OcpiAnswers;
using PartyRole = ClearingHouse.Contracts.V1.PartyRole;

namespace ClearingHouse.Server.Tests.Ocpi;

/// <summary>The Cluster profile (PostgreSQL): a registration and the key ring that protects TOKEN_B outlive the silo.</summary>
public sealed class OcpiPostgresTests : IAsyncLifetime
{
    private readonly string _clusterId = $"ch-test-{Guid.NewGuid():N}";
    private readonly string _operatorSecret = CredentialSecret.Generate(party: null).Text;
    private string _postgres = "";

    /// <inheritdoc />
    public async Task InitializeAsync() => _postgres = await TestServices.CreateDatabaseAsync();

    /// <inheritdoc />
    public Task DisposeAsync() => TestServices.DropDatabaseAsync(_postgres);

    [Fact]
    public async Task Handshake_ClusterProfile_TokenBReadableAndTokenCValidAfterRestart()
    {
        await using var partner = await FakeOcpiPartner.StartAsync();
        var settings = new Dictionary<string, string?> { ["Ocpi:Enabled"] = "true", ["Ocpi:AllowInsecurePartnerUrls"] = "true" };
        var party = Parties.Unique(PartyRole.Cpo);
        var key = new PartyKey(party.CountryCode, party.PartyId, Domain.Parties.PartyRole.Cpo);
        string tokenC;
        await using (var hub = await HubHost.StartClusterAsync(_clusterId, _postgres, _operatorSecret, settings))
        {
            await Parties.RegisterWithCredentialAsync(hub.Channel(_operatorSecret), party);
            var tokenA = await hub.Services.GetRequiredService<OcpiPartners>().IssueTokenAAsync(new CallerIdentity(null, "test"), key);
            using var client = Client(hub, tokenA);
            var (http, code, data, message, _) = await ReadAsync(await client.PostAsync("/ocpi/2.2.1/credentials", Json(OcpiCredentialsTests.Credentials(partner, key))));
            Assert.True((http, code) == (200, 1000), $"POST credentials: HTTP {http}, {code}: {message}");
            tokenC = (string)data!["token"]!;
        }

        await using (var hub = await HubHost.StartClusterAsync(_clusterId, _postgres, _operatorSecret, settings))
        {
            var view = await hub.Services.GetRequiredService<IGrainFactory>().GetGrain<IOcpiPartnerGrain>(key.ToString()).Get();
            Assert.Equal(partner.TokenB, hub.Services.GetRequiredService<OcpiSecretProtector>().Unprotect(view.Registration!.ProtectedTokenB));
            using var client = Client(hub, tokenC);
            var (http, code, _, message, _) = await ReadAsync(await client.GetAsync("/ocpi/2.2.1/credentials"));
            Assert.True((http, code) == (200, 1000), $"GET credentials after restart: HTTP {http}, {code}: {message}");
        }
    }

    private static HttpClient Client(HubHost hub, string token)
    {
        var client = new HttpClient { BaseAddress = hub.Services.GetRequiredService<IOptions<OcpiOptions>>().Value.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", Convert.ToBase64String(Encoding.UTF8.GetBytes(token)));
        return client;
    }
}
