using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ClearingHouse.Application.Access;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Parties;
using PartyRole = ClearingHouse.Contracts.V1.PartyRole;
using ClearingHouse.Ocpi.Credentials;
using ClearingHouse.Ocpi.Hosting;
using ClearingHouse.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Server.Tests.Ocpi;

/// <summary>One Embedded hub with its OCPI endpoint on a free port, shared by the tests of a class.</summary>
public sealed class OcpiHubFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new();

    /// <summary>The running hub.</summary>
    public HubHost Hub { get; private set; } = null!;

    /// <summary>The hub's data directory (SQLite files).</summary>
    public string DataDirectory => _data.Path;

    /// <summary>The hub's OCPI base URL (<c>http://127.0.0.1:port</c>).</summary>
    public Uri OcpiUrl => Hub.Services.GetRequiredService<IOptions<OcpiOptions>>().Value.BaseUrl;

    /// <summary>A partner platform the parties of <see cref="RegisterAsync"/> register with.</summary>
    public FakeOcpiPartner Partner { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Partner = await FakeOcpiPartner.StartAsync();
        Hub = await HubHost.StartEmbeddedAsync(_data.Path, settings: new Dictionary<string, string?>
        {
            ["Ocpi:MaxRequestBodyBytes"] = "8192",
            ["Ocpi:AllowInsecurePartnerUrls"] = "true",
            ["Ocpi:PartnerTimeout"] = "00:00:03",
        });
    }

    /// <summary>Issues a TOKEN_A for a party registered over gRPC, registers over OCPI with it; returns TOKEN_C.</summary>
    public async Task<string> RegisterAsync(PartyRef party)
    {
        ArgumentNullException.ThrowIfNull(party);
        var key = new PartyKey(party.CountryCode, party.PartyId, party.Role == PartyRole.Cpo ? Domain.Parties.PartyRole.Cpo : Domain.Parties.PartyRole.Emsp);
        var tokenA = await Hub.Services.GetRequiredService<OcpiPartners>().IssueTokenAAsync(new CallerIdentity(null, "test"), key);
        using var client = Client(tokenA);
        var (http, code, data, message, _) = await OcpiAnswers.ReadAsync(await client.PostAsync("/ocpi/2.2.1/credentials", OcpiAnswers.Json(OcpiCredentialsTests.Credentials(Partner, key))));
        Assert.True((http, code) == (200, 1000), $"registering {key}: HTTP {http}, {code}: {message}");
        return (string)data!["token"]!;
    }

    /// <summary>Registers a party over gRPC (as the operator) and issues its TOKEN_A; returns the party and the token.</summary>
    public async Task<(PartyKey Party, string TokenA)> PartyWithTokenAAsync(PartyRole role)
    {
        var party = Parties.Unique(role);
        await Parties.RegisterWithCredentialAsync(Hub.Channel(Hub.OperatorSecret), party);
        var key = new PartyKey(party.CountryCode, party.PartyId, role == PartyRole.Cpo ? Domain.Parties.PartyRole.Cpo : Domain.Parties.PartyRole.Emsp);
        var token = await Hub.Services.GetRequiredService<OcpiPartners>().IssueTokenAAsync(new CallerIdentity(null, "test"), key);
        return (key, token);
    }

    /// <summary>A client of the hub's OCPI endpoint that sends <paramref name="token"/> in OCPI 2.2.1's base64 form (or nothing).</summary>
    public HttpClient Client(string? token)
    {
        var client = new HttpClient { BaseAddress = OcpiUrl, Timeout = TimeSpan.FromSeconds(30) };
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
        await Partner.DisposeAsync();
        _data.Dispose();
    }
}

/// <summary>Reads OCPI answers in tests.</summary>
public static class OcpiAnswers
{
    /// <summary>The envelope of an answer, with the HTTP status; fails with the body when it is not an OCPI envelope.</summary>
    public static async Task<(int Http, int Code, JsonNode? Data, string? Message, HttpResponseMessage Response)> ReadAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        JsonNode? json;
        try
        {
            json = JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            throw new Xunit.Sdk.XunitException($"HTTP {(int)response.StatusCode}: not JSON: {body}");
        }

        Assert.True(json?["status_code"] is not null && json["timestamp"] is not null, $"HTTP {(int)response.StatusCode}: not an OCPI envelope: {body}");
        return ((int)response.StatusCode, (int)json!["status_code"]!, json["data"], (string?)json["status_message"], response);
    }

    /// <summary>A JSON body.</summary>
    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
