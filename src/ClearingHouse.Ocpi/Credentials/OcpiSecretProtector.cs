using System.Xml.Linq;
using ClearingHouse.Grains;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClearingHouse.Ocpi.Credentials;

/// <summary>
/// Encrypts the tokens the hub must present to partners (TOKEN_B) with ASP.NET Core Data Protection. The key ring
/// lives in the durable store (a grain, so SQLite or PostgreSQL by profile, shared by every silo), not on one
/// machine's disk: a silo restarted elsewhere still reads what another wrote. The provider is the edge's own (not the
/// host's), built on first use, when the silo is up.
/// </summary>
public sealed class OcpiSecretProtector(IGrainFactory grains, ILoggerFactory loggers) : IDisposable
{
    private const string Purpose = "ClearingHouse.Ocpi.PartnerToken.v1";
    private readonly Lazy<(ServiceProvider Services, IDataProtector Protector)> _provider = new(() =>
    {
        var services = new ServiceCollection();
        services.AddSingleton(loggers);
        services.AddLogging();
        services.AddDataProtection().SetApplicationName("ClearingHouse");
        services.Configure<KeyManagementOptions>(o => o.XmlRepository = new GrainXmlRepository(grains));
        var provider = services.BuildServiceProvider();
        return (provider, provider.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose));
    });

    /// <summary>The protected form of <paramref name="secret"/>, safe to store.</summary>
    public string Protect(string secret) => _provider.Value.Protector.Protect(secret);

    /// <summary>The secret back from its protected form.</summary>
    public string Unprotect(string protectedSecret) => _provider.Value.Protector.Unprotect(protectedSecret);

    /// <inheritdoc />
    public void Dispose()
    {
        if (_provider.IsValueCreated)
        {
            _provider.Value.Services.Dispose();
        }
    }

    // Data Protection reads and writes its key ring synchronously, rarely (start, new key, refresh once a day).
    private sealed class GrainXmlRepository(IGrainFactory grains) : IXmlRepository
    {
        private IOcpiKeyRingGrain Ring => grains.GetGrain<IOcpiKeyRingGrain>(0);

        public IReadOnlyCollection<XElement> GetAllElements() =>
            [.. Ring.GetAll().GetAwaiter().GetResult().Select(x => XElement.Parse(x))];

        public void StoreElement(XElement element, string friendlyName) =>
            Ring.Store(friendlyName, element.ToString(SaveOptions.DisableFormatting)).GetAwaiter().GetResult();
    }
}

/// <summary>The hub's Data Protection key ring for OCPI secrets, in the durable store (key 0).</summary>
public interface IOcpiKeyRingGrain : IGrainWithIntegerKey
{
    /// <summary>Every key element (XML).</summary>
    Task<IReadOnlyList<string>> GetAll();

    /// <summary>Adds a key element (durable when it returns).</summary>
    Task Store(string friendlyName, string xml);
}

/// <inheritdoc cref="IOcpiKeyRingGrain" />
internal sealed class OcpiKeyRingGrain(
    [PersistentState("ocpi-keyring", StorageProviders.Durable)] IPersistentState<OcpiKeyRingState> state) : Grain, IOcpiKeyRingGrain
{
    public Task<IReadOnlyList<string>> GetAll() => Task.FromResult<IReadOnlyList<string>>([.. state.State.Elements.Values]);

    public async Task Store(string friendlyName, string xml)
    {
        state.State.Elements[friendlyName] = xml;
        await state.CommitOrReloadAsync();
    }
}

/// <summary>The stored key ring: key elements by their friendly name.</summary>
[GenerateSerializer]
public sealed class OcpiKeyRingState
{
    /// <summary>The key elements (XML) by friendly name.</summary>
    [Id(0)] public Dictionary<string, string> Elements { get; set; } = new(StringComparer.Ordinal);
}
