namespace ClearingHouse.Application.Access;

/// <summary>Where a live stream of the core writes: an edge's response stream (gRPC server streaming today).</summary>
/// <typeparam name="T">The core record streamed.</typeparam>
public interface ILiveSink<in T>
{
    /// <summary>Tells the client the subscription is live, before the first item.</summary>
    Task ReadyAsync();

    /// <summary>Writes one item.</summary>
    Task WriteAsync(T item, CancellationToken cancellationToken);
}
