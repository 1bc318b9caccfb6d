namespace ClearingHouse.Server.Tests.Infrastructure;

/// <summary>A folder deleted with its contents when disposed.</summary>
public sealed class TempDirectory : IDisposable
{
    /// <summary>Its full path.</summary>
    public string Path { get; } = Directory.CreateTempSubdirectory("clearinghouse-test-").FullName;

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a stopping process; the OS temp cleaner will take it.
        }
    }
}
