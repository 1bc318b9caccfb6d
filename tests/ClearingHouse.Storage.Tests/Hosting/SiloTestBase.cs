using System.Net;
using System.Net.Sockets;
using ClearingHouse.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace ClearingHouse.Storage.Tests.Hosting;

/// <summary>
/// Runs a real in-process silo wired by a project's hosting extension, stops it, starts a new one
/// on the same database and expects the grain's state back.
/// </summary>
public abstract class SiloTestBase
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Adds the storage under test to the silo.</summary>
    protected abstract void AddStorage(ISiloBuilder silo);

    /// <summary>Adds the storage under test with options that must fail validation.</summary>
    protected abstract void AddStorageWithoutConnectionString(ISiloBuilder silo);

    protected abstract string ConnectionStringSetting { get; }

    [Fact]
    public async Task PersistentState_SiloRestart_StateReadBack()
    {
        var key = "counter-" + Guid.NewGuid().ToString("N");

        using (var first = await StartSiloAsync(AddStorage))
        {
            var grain = first.Services.GetRequiredService<IGrainFactory>().GetGrain<ICounterGrain>(key);
            Assert.Equal(1, await grain.IncrementAsync().WaitAsync(Timeout));
            Assert.Equal(2, await grain.IncrementAsync().WaitAsync(Timeout));

            // Deactivation re-reads from storage on the next call, inside the same silo.
            await grain.DeactivateAsync().WaitAsync(Timeout);
            Assert.Equal(3, await grain.IncrementAsync().WaitAsync(Timeout));
            await first.StopAsync().WaitAsync(Timeout);
        }

        using var second = await StartSiloAsync(AddStorage);
        var again = second.Services.GetRequiredService<IGrainFactory>().GetGrain<ICounterGrain>(key);
        var state = await again.GetAsync().WaitAsync(Timeout);
        var byDefault = await again.GetDefaultProviderStateAsync().WaitAsync(Timeout);
        await second.StopAsync().WaitAsync(Timeout);

        Assert.Equal(key, state.Name);
        Assert.Equal(3, state.Count);
        Assert.Equal(30, byDefault.Count);
    }

    [Fact]
    public void AddStorage_Registered_SameProviderUnderDurableAndDefaultNames()
    {
        using var host = BuildSilo(AddStorage);

        var durable = host.Services.GetRequiredKeyedService<IGrainStorage>(StorageProviders.Durable);
        var byDefault = host.Services.GetRequiredKeyedService<IGrainStorage>("Default");
        var unkeyed = host.Services.GetRequiredService<IGrainStorage>();

        Assert.Same(durable, byDefault);
        Assert.Same(durable, unkeyed);
    }

    [Fact]
    public async Task StartAsync_MissingConnectionString_FailsNamingTheSetting()
    {
        using var host = BuildSilo(AddStorageWithoutConnectionString);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().WaitAsync(Timeout));

        Assert.Contains(ConnectionStringSetting, error.Message, StringComparison.Ordinal);
    }

    private static async Task<IHost> StartSiloAsync(Action<ISiloBuilder> addStorage)
    {
        var host = BuildSilo(addStorage);
        await host.StartAsync().WaitAsync(Timeout);
        return host;
    }

    private static IHost BuildSilo(Action<ISiloBuilder> addStorage) =>
        Host.CreateDefaultBuilder()
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .UseOrleans(silo =>
            {
                silo.UseLocalhostClustering(siloPort: FreePort(), gatewayPort: FreePort(), serviceId: "storage-tests", clusterId: Guid.NewGuid().ToString("N"));
                addStorage(silo);
            })
            .Build();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
