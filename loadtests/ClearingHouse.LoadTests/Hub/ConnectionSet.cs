using Grpc.Net.Client;

namespace ClearingHouse.LoadTests.Hub;

/// <summary>
/// N gRPC channels to one address, each with its own handler and at most one HTTP/2 connection,
/// so --connections is exactly the number of TCP connections the target sees.
/// </summary>
public sealed class ConnectionSet : IDisposable
{
    private readonly GrpcChannel[] _channels;

    private ConnectionSet(Uri address, GrpcChannel[] channels)
    {
        Address = address;
        _channels = channels;
    }

    public Uri Address { get; }

    public int Count => _channels.Length;

    public GrpcChannel this[int index] => _channels[index];

    public static ConnectionSet Open(Uri address, int count)
    {
        var channels = new GrpcChannel[count];
        for (var i = 0; i < count; i++)
        {
            channels[i] = CreateChannel(address);
        }

        return new ConnectionSet(address, channels);
    }

    /// <summary>One channel on its own connection; fails fast when nothing listens.</summary>
    public static GrpcChannel CreateChannel(Uri address) =>
        GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                // One connection per channel: beyond the server's stream limit (Kestrel: 100),
                // calls queue on the client and show up as latency, which is what an open model wants.
                EnableMultipleHttp2Connections = false,

                // A load generator talks to the target directly, never through a proxy from the environment.
                UseProxy = false,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                KeepAlivePingDelay = TimeSpan.FromSeconds(30),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            },
            DisposeHttpClient = true,
            MaxRetryAttempts = 0,
        });

    public TClient[] CreateClients<TClient>(Func<GrpcChannel, TClient> factory)
    {
        var clients = new TClient[_channels.Length];
        for (var i = 0; i < _channels.Length; i++)
        {
            clients[i] = factory(_channels[i]);
        }

        return clients;
    }

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }
}
