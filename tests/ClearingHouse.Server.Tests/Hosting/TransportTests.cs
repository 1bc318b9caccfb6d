using System.Net.Http;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;

namespace ClearingHouse.Server.Tests.Hosting;

/// <summary>TLS when a certificate is configured, and the Prometheus endpoint on its own port.</summary>
public sealed class TransportTests
{
    [Fact]
    public async Task Tls_CertificateConfigured_ServesGrpcOverHttps()
    {
        using var data = new TempDirectory();
        var pfx = Path.Combine(data.Path, "hub.pfx");
        using (var rsa = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=127.0.0.1", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(System.Net.IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "test-password"));
        }

        await using var hub = await HubHost.StartEmbeddedAsync(data.Path, settings: new Dictionary<string, string?>
        {
            ["Hub:TlsCertificatePath"] = pfx,
            ["Hub:TlsCertificatePassword"] = "test-password",
        });

        Assert.Equal("https", hub.Address.Scheme);
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator };
        using var channel = GrpcChannel.ForAddress(hub.Address, new GrpcChannelOptions { HttpHandler = handler });
        var headers = new Metadata { { "authorization", $"Bearer {hub.OperatorSecret}" } };
        var me = await new IdentityService.IdentityServiceClient(channel).WhoAmIAsync(new WhoAmIRequest(), headers);
        Assert.True(me.Operator);
    }

    [Fact]
    public async Task Metrics_ScrapeEndpoint_CountsAuthenticationFailures()
    {
        using var data = new TempDirectory();
        var port = HubHost.FreePort();
        await using var hub = await HubHost.StartEmbeddedAsync(data.Path, settings: new Dictionary<string, string?> { ["Hub:MetricsPort"] = port.ToString() });

        await Parties.AssertFails(StatusCode.Unauthenticated, () => new IdentityService.IdentityServiceClient(hub.Channel("garbage")).WhoAmIAsync(new WhoAmIRequest()).ResponseAsync);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
        Assert.Contains("clearinghouse_auth_failures", text, StringComparison.Ordinal);
        Assert.Contains("reason=\"malformed\"", text, StringComparison.Ordinal);
    }
}
