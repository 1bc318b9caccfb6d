using System.Diagnostics.Metrics;
using System.Net;
using ClearingHouse.Ocpi.Hosting;
using ClearingHouse.Ocpi.Outbound;
using ClearingHouse.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static ClearingHouse.Server.Tests.Ocpi.OcpiAnswers;
using PartyRole = ClearingHouse.Contracts.V1.PartyRole;

namespace ClearingHouse.Server.Tests.Ocpi;

/// <summary>A hub with <c>Ocpi:PartnerHosts</c> = 127.0.0.1 only and an h2c port beside its HTTP/1.1 port.</summary>
public sealed class OcpiPartnerHostsFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new();

    /// <summary>The running hub.</summary>
    public HubHost Hub { get; private set; } = null!;

    /// <summary>The h2c port.</summary>
    public int H2cPort { get; } = HubHost.FreePort();

    /// <inheritdoc />
    public async Task InitializeAsync() => Hub = await HubHost.StartEmbeddedAsync(_data.Path, settings: new Dictionary<string, string?>
    {
        ["Ocpi:AllowInsecurePartnerUrls"] = "true",
        ["Ocpi:PartnerTimeout"] = "00:00:05",
        ["Ocpi:PartnerHosts:0"] = "127.0.0.1",
        ["Ocpi:H2cPort"] = H2cPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        await Hub.DisposeAsync();
        _data.Dispose();
    }
}

/// <summary>Which partner hosts the hub calls, and OCPI over HTTP/2 with prior knowledge.</summary>
public sealed class OcpiPartnerHostsTests(OcpiPartnerHostsFixture fixture) : IClassFixture<OcpiPartnerHostsFixture>
{
    private Uri OcpiUrl => fixture.Hub.Services.GetRequiredService<IOptions<OcpiOptions>>().Value.BaseUrl;

    [Fact]
    public async Task Register_VersionsUrlOnHostNotListed_Refused2001NamingTheHostAndNothingCalled()
    {
        await using var partner = await ScriptedOcpiPartner.StartAsync();
        var party = Parties.Unique(PartyRole.Cpo);
        await Parties.RegisterWithCredentialAsync(fixture.Hub.Channel(fixture.Hub.OperatorSecret), party);
        var key = new Domain.Parties.PartyKey(party.CountryCode, party.PartyId, Domain.Parties.PartyRole.Cpo);
        var tokenA = await fixture.Hub.Services.GetRequiredService<ClearingHouse.Ocpi.Credentials.OcpiPartners>().IssueTokenAAsync(new Application.Access.CallerIdentity(null, "test"), key);
        using var client = Client(tokenA);

        // The same platform named by "localhost": not on the list (127.0.0.1 is), so the hub never calls it.
        var body = partner.Credentials(party).Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        var (http, code, _, message, _) = await ReadAsync(await client.PostAsync("/ocpi/2.2.1/credentials", Json(body)));
        Assert.True((http, code) == (400, 2001), $"HTTP {http}, {code}: {message}");
        Assert.Contains("'localhost'", message, StringComparison.Ordinal);
        Assert.Contains("Ocpi:PartnerHosts", message, StringComparison.Ordinal);
        Assert.Empty(partner.Requests);

        // On the listed host the same TOKEN_A registers (nothing was spent by the refusal).
        (http, code, _, message, _) = await ReadAsync(await client.PostAsync("/ocpi/2.2.1/credentials", Json(partner.Credentials(party))));
        Assert.True((http, code) == (200, 1000), $"HTTP {http}, {code}: {message}");
    }

    [Fact]
    public async Task SendAsync_UrlOnHostNotListed_NotCalledAndCounted()
    {
        await using var partner = await ScriptedOcpiPartner.StartAsync();
        var http = fixture.Hub.Services.GetRequiredService<OcpiPartnerHttp>();
        var url = partner.VersionsUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        // The counter is read where it is added (a listener on the instrument): synchronous, no scrape to wait for.
        long refused = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == Application.Diagnostics.InstrumentNames.OcpiPartnerHostRefused)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref refused, value));
        listener.Start();

        var failure = await Assert.ThrowsAsync<OcpiPartnerCallException>(() => http.SendAsync(new OcpiPartnerCall(HttpMethod.Get, url, partner.TokenB, "versions"), CancellationToken.None));

        Assert.Equal(OcpiPartnerFailure.Untrusted, failure.Failure);
        Assert.Contains("Ocpi:PartnerHosts", failure.Message, StringComparison.Ordinal);
        Assert.Empty(partner.Requests);
        Assert.True(Interlocked.Read(ref refused) >= 1, $"{Application.Diagnostics.InstrumentNames.OcpiPartnerHostRefused} counted {Interlocked.Read(ref refused)}");
    }

    [Fact]
    public async Task Versions_Http2PriorKnowledgeOnH2cPort_AnsweredOverHttp2()
    {
        using var h2 = new HttpClient
        {
            BaseAddress = new Uri($"http://127.0.0.1:{fixture.H2cPort}"),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(30),
        };

        // No token: the OCPI middleware answers 401 with its envelope, so the request went through the OCPI edge over h2c.
        var response = await h2.GetAsync("/ocpi/versions");
        Assert.Equal(HttpVersion.Version20, response.Version);
        var (http, code, _, message, _) = await ReadAsync(response);
        Assert.True((http, code) == (401, 2000), $"HTTP {http}, {code}: {message}");

        // The main port still serves HTTP/1.1 beside it.
        using var h1 = new HttpClient { BaseAddress = OcpiUrl, Timeout = TimeSpan.FromSeconds(30) };
        var plain = await h1.GetAsync("/ocpi/versions");
        Assert.Equal(HttpVersion.Version11, plain.Version);
        Assert.Equal(401, (await ReadAsync(plain)).Http);
    }

    [Theory]
    [InlineData("partner.example.com")]
    [InlineData("*.example.com")]
    [InlineData("*")]
    [InlineData("10.1.2.3")]
    [InlineData("[::1]")]
    public void Validate_Accepts_HostsPatternsAndAddresses(string entry) => Assert.Null(OcpiPartnerHosts.Validate(entry));

    [Theory]
    [InlineData("")]
    [InlineData("https://partner.example.com")]
    [InlineData("partner.example.com:443")]
    [InlineData("partner.example.com/ocpi")]
    [InlineData("*example.com")]
    public void Validate_Rejects_UrlsPortsPathsAndBadPatterns(string entry) => Assert.NotNull(OcpiPartnerHosts.Validate(entry));

    [Fact]
    public void Allows_ListAndDefaults_AsDocumented()
    {
        var listed = new OcpiPartnerHosts(["partner.example.com", "*.roaming.example"], loopbackByDefault: true);
        Assert.True(listed.Allows(new Uri("https://PARTNER.example.com/ocpi")));
        Assert.True(listed.Allows(new Uri("https://a.b.roaming.example/ocpi")));
        Assert.False(listed.Allows(new Uri("https://roaming.example/ocpi")));
        Assert.False(listed.Allows(new Uri("https://127.0.0.1/ocpi")));

        var embedded = new OcpiPartnerHosts([], loopbackByDefault: true);
        Assert.True(embedded.Allows(new Uri("http://127.0.0.1:8099/ocpi")));
        Assert.True(embedded.Allows(new Uri("http://localhost:8099/ocpi")));
        Assert.True(embedded.Allows(new Uri("http://[::1]:8099/ocpi")));
        Assert.False(embedded.Allows(new Uri("https://partner.example.com/ocpi")));

        Assert.True(new OcpiPartnerHosts([], loopbackByDefault: false).Allows(new Uri("https://partner.example.com/ocpi")));
    }

    private HttpClient Client(string token)
    {
        var client = new HttpClient { BaseAddress = OcpiUrl, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Token", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(token)));
        return client;
    }
}
