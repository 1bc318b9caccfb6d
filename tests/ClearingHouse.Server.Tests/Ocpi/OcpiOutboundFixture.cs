using System.Net.Http.Headers;
using System.Text;
using ClearingHouse.Application.Access;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Ocpi.Credentials;
using ClearingHouse.Ocpi.Hosting;
using ClearingHouse.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static ClearingHouse.Server.Tests.Ocpi.OcpiAnswers;
using PartyRole = ClearingHouse.Contracts.V1.PartyRole;

namespace ClearingHouse.Server.Tests.Ocpi;

/// <summary>
/// One Embedded hub for the tests of the hub's calls to partners: short partner waits so a hanging partner costs
/// seconds, not minutes; each test registers its parties with platforms of its own (<see cref="ScriptedOcpiPartner"/>).
/// </summary>
public sealed class OcpiOutboundFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new();

    /// <summary>The running hub.</summary>
    public HubHost Hub { get; private set; } = null!;

    /// <summary>The hub's OCPI base URL.</summary>
    public Uri OcpiUrl => Hub.Services.GetRequiredService<IOptions<OcpiOptions>>().Value.BaseUrl;

    /// <inheritdoc />
    public async Task InitializeAsync() =>
        Hub = await HubHost.StartEmbeddedAsync(_data.Path, settings: new Dictionary<string, string?>
        {
            ["Ocpi:AllowInsecurePartnerUrls"] = "true",
            ["Ocpi:PartnerTimeout"] = "00:00:03",
            ["Ocpi:Delivery:RetryBase"] = "00:00:00.200",
            ["Tokens:DefaultMspDeadline"] = "00:00:01.500",
            ["Commands:ResponseTimeout"] = "00:00:02",
            ["Commands:DefaultResultTimeout"] = "00:00:03",
        });

    /// <summary>Registers <paramref name="party"/> (registered over gRPC) over OCPI with <paramref name="platform"/>; returns TOKEN_C.</summary>
    public Task<string> RegisterAsync(PartyRef party, ScriptedOcpiPartner platform) => RegisterAsync(Hub, party, platform);

    /// <summary>Registers <paramref name="party"/> (registered over gRPC) at <paramref name="hub"/> over OCPI with <paramref name="platform"/>; returns TOKEN_C.</summary>
    public static async Task<string> RegisterAsync(HubHost hub, PartyRef party, ScriptedOcpiPartner platform)
    {
        ArgumentNullException.ThrowIfNull(hub);
        ArgumentNullException.ThrowIfNull(party);
        ArgumentNullException.ThrowIfNull(platform);
        var key = Key(party);
        var tokenA = await hub.Services.GetRequiredService<OcpiPartners>().IssueTokenAAsync(new CallerIdentity(null, "test"), key);
        using var client = Client(hub, tokenA);
        var (http, code, data, message, _) = await ReadAsync(await client.PostAsync("/ocpi/2.2.1/credentials", Json(platform.Credentials(party))));
        Assert.True((http, code) == (200, 1000), $"registering {key}: HTTP {http}, {code}: {message}");
        return (string)data!["token"]!;
    }

    /// <summary>The party key of a gRPC party.</summary>
    public static PartyKey Key(PartyRef party) =>
        new(party.CountryCode, party.PartyId, party.Role == PartyRole.Cpo ? Domain.Parties.PartyRole.Cpo : Domain.Parties.PartyRole.Emsp);

    /// <summary>A client of the hub's OCPI endpoint with <paramref name="token"/> (base64 form), or none.</summary>
    public HttpClient Client(string? token) => Client(Hub, token);

    /// <summary>A client of <paramref name="hub"/>'s OCPI endpoint with <paramref name="token"/> (base64 form), or none.</summary>
    public static HttpClient Client(HubHost hub, string? token)
    {
        ArgumentNullException.ThrowIfNull(hub);
        var client = new HttpClient { BaseAddress = hub.Services.GetRequiredService<IOptions<OcpiOptions>>().Value.BaseUrl, Timeout = TimeSpan.FromSeconds(60) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", Convert.ToBase64String(Encoding.UTF8.GetBytes(token)));
        }

        return client;
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        await Hub.DisposeAsync();
        _data.Dispose();
    }
}
