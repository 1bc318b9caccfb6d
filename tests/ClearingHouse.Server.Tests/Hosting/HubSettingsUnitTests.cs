using ClearingHouse.Server.Hosting;
using ClearingHouse.Server.Options;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Server.Tests.Hosting;

/// <summary>Settings are validated at start, with messages that name the setting.</summary>
public sealed class HubSettingsUnitTests
{
    [Fact]
    public void Load_Defaults_AreValidEmbedded()
    {
        var settings = HubSettings.Load(Config([]));
        Assert.Equal(HubProfile.Embedded, settings.Hub.Profile);
        Assert.Equal(5080, settings.Hub.GrpcPort);
    }

    [Theory]
    [InlineData("Hub:GrpcPort", "70000", "Hub:GrpcPort")]
    [InlineData("Hub:MetricsPort", "-1", "Hub:MetricsPort")]
    [InlineData("Hub:ListenAddress", "localhost-ish", "Hub:ListenAddress")]
    [InlineData("Hub:MaxReceiveMessageBytes", "10", "Hub:MaxReceiveMessageBytes")]
    [InlineData("Hub:TlsCertificatePath", "/no/such/cert.pfx", "Hub:TlsCertificatePath")]
    [InlineData("Silo:SiloPort", "0", "Silo:SiloPort")]
    [InlineData("Identity:OperatorSecretSha256", "abc", "Identity:OperatorSecretSha256")]
    [InlineData("Identity:CacheTtl", "01:00:00", "Identity:CacheTtl")]
    [InlineData("Hub:DataDirectory", "", "Hub:DataDirectory")]
    [InlineData("Silo:SiloPort", "5080", "Silo:SiloPort")]
    [InlineData("Silo:GatewayPort", "11111", "Silo:GatewayPort")]
    [InlineData("Silo:ProbeTimeout", "00:00:00.100", "Silo:ProbeTimeout")]
    [InlineData("Silo:ProbeTimeout", "00:05:00", "Silo:ProbeTimeout")]
    [InlineData("Silo:MissedProbesLimit", "1", "Silo:MissedProbesLimit")]
    [InlineData("Silo:MissedProbesLimit", "11", "Silo:MissedProbesLimit")]
    public void Rejects_BadSetting_NamingIt(string key, string value, string named)
    {
        var ex = Assert.Throws<OptionsValidationException>(() => HubSettings.Load(Config(new() { [key] = value })));
        Assert.Contains(ex.Failures, f => f.Contains(named, StringComparison.Ordinal));
    }

    [Fact]
    public void Rejects_ClusterProfile_WithoutItsServices_NamingEachSetting()
    {
        var ex = Assert.Throws<OptionsValidationException>(() => HubSettings.Load(Config(new() { ["Hub:Profile"] = "Cluster" })));
        Assert.Contains(ex.Failures, f => f.Contains("Storage:Postgres:ConnectionString", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("Identity:OperatorSecretSha256", StringComparison.Ordinal));
        // Redis holds caches only (membership is in PostgreSQL): the Cluster profile does not require it.
        Assert.DoesNotContain(ex.Failures, f => f.Contains("Redis", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_ClusterWithoutRedis_IsValidWithCachesOff()
    {
        var settings = HubSettings.Load(Config(new()
        {
            ["Hub:Profile"] = "Cluster",
            ["Storage:Postgres:ConnectionString"] = "Host=127.0.0.1;Username=postgres;Database=clearinghouse",
            ["Identity:OperatorSecretSha256"] = new string('a', 64),
        }));
        Assert.Null(settings.Redis.CacheConnection);
    }

    [Fact]
    public void AddClearingHouse_ClusterProfile_SetsOrleansLivenessProbingFromSiloSettings()
    {
        // Built, not started: nothing connects. The silo's ClusterMembershipOptions are what decide how soon a dead silo
        // is declared dead (docs/operations.md).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Test", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Hub:Profile"] = "Cluster",
            ["Storage:Postgres:ConnectionString"] = "Host=127.0.0.1;Username=postgres;Database=clearinghouse",
            ["Identity:OperatorSecretSha256"] = new string('a', 64),
            ["Silo:ProbeTimeout"] = "00:00:02",
            ["Silo:MissedProbesLimit"] = "4",
        });
        builder.AddClearingHouse();
        using var app = builder.Build();

        var membership = app.Services.GetRequiredService<IOptions<Orleans.Configuration.ClusterMembershipOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(2), membership.ProbeTimeout);
        Assert.Equal(4, membership.NumMissedProbesLimit);
    }

    [Fact]
    public void Load_Defaults_ProbeDeadSilosEverySecondAndDeclareAfterThreeMisses()
    {
        var settings = HubSettings.Load(Config([]));
        Assert.Equal(TimeSpan.FromSeconds(1), settings.Silo.ProbeTimeout);
        Assert.Equal(3, settings.Silo.MissedProbesLimit);
    }

    [Fact]
    public void Rejects_UnknownProfile()
    {
        Assert.ThrowsAny<Exception>(() => HubSettings.Load(Config(new() { ["Hub:Profile"] = "Galaxy" })));
    }

    private static IConfiguration Config(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
