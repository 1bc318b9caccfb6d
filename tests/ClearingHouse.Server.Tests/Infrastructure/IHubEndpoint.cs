using Grpc.Net.Client;

namespace ClearingHouse.Server.Tests.Infrastructure;

/// <summary>A running hub a test talks to over real gRPC: in this process (<see cref="HubHost"/>) or its own (<see cref="HubProcess"/>).</summary>
public interface IHubEndpoint
{
    /// <summary>The hub's gRPC address.</summary>
    Uri Address { get; }

    /// <summary>The operator's secret.</summary>
    string OperatorSecret { get; }

    /// <summary>A channel that sends <paramref name="secret"/> (or nothing) as the bearer credential.</summary>
    GrpcChannel Channel(string? secret);
}
