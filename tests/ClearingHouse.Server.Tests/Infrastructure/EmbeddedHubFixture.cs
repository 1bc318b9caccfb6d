namespace ClearingHouse.Server.Tests.Infrastructure;

/// <summary>One Embedded hub shared by the tests of a class.</summary>
public sealed class EmbeddedHubFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new();

    /// <summary>The running hub.</summary>
    public HubHost Hub { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync() =>
        Hub = await HubHost.StartEmbeddedAsync(_data.Path, settings: new Dictionary<string, string?> { ["Hub:MaxReceiveMessageBytes"] = "16384" });

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        await Hub.DisposeAsync();
        _data.Dispose();
    }
}
