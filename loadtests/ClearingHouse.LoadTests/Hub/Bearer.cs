using Grpc.Core;

namespace ClearingHouse.LoadTests.Hub;

/// <summary>The `authorization: Bearer` header every hub call carries.</summary>
public static class Bearer
{
    /// <summary>One read-only header set per credential, shared by all calls (it is only read).</summary>
    public static Metadata Headers(string secret) => new() { { "authorization", "Bearer " + secret } };
}
