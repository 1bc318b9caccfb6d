using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace ClearingHouse.Storage.Tests.Infrastructure;

/// <summary>The Orleans services a provider needs outside a silo: the binary serializer and activators.</summary>
public static class OrleansServices
{
    private static readonly ServiceProvider Services = new ServiceCollection()
        .AddSerializer(b => b.AddAssembly(typeof(TestState).Assembly).AddAssembly(typeof(ClearingHouse.Grains.Sessions.SessionRecord).Assembly))
        .BuildServiceProvider();

    public static IGrainStorageSerializer Serializer { get; } = new OrleansGrainStorageSerializer(Services.GetRequiredService<Serializer>());

    public static Serializer<T> SerializerOf<T>() => Services.GetRequiredService<Serializer<T>>();

    public static IActivatorProvider Activators => Services.GetRequiredService<IActivatorProvider>();

    public static ILogger<T> Logger<T>() => NullLogger<T>.Instance;
}
