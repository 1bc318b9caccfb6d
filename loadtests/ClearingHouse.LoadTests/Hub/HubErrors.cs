using ClearingHouse.LoadTests.Cli;
using Grpc.Core;

namespace ClearingHouse.LoadTests.Hub;

/// <summary>Turns a failed set-up call into a message that says what to fix.</summary>
public static class HubErrors
{
    public static LoadTestSetupException Explain(RpcException e, Uri hub, string what)
    {
        var message = e.StatusCode switch
        {
            StatusCode.Unavailable =>
                $"cannot reach the hub at {hub} ({what}): {e.Status.Detail.TrimEnd('.')}. Is it running, and is the URL right (h2c: http://host:port)?",
            StatusCode.DeadlineExceeded =>
                $"the hub at {hub} did not answer {what} in time.",
            StatusCode.Unauthenticated =>
                $"the hub at {hub} rejected the credential ({what}): {e.Status.Detail}. Check --credential, CLEARINGHOUSE_CREDENTIAL or --credential-file.",
            StatusCode.PermissionDenied =>
                $"the hub at {hub} refused {what} (PermissionDenied: {e.Status.Detail}). The operator's credential is needed.",
            StatusCode.Unimplemented =>
                $"{hub} does not serve {what} (Unimplemented: {e.Status.Detail}): is it a ClearingHouse hub's gRPC port, of a version with this API?",
            StatusCode.Internal or StatusCode.Unknown =>
                $"{hub} did not answer {what} as a gRPC server ({e.StatusCode}: {e.Status.Detail}). Is it the hub's gRPC port?",
            _ => $"{what} failed at {hub}: {e.StatusCode}: {e.Status.Detail}",
        };
        return new LoadTestSetupException(message, e);
    }

    public static LoadTestSetupException Explain(Exception e, Uri hub, string what) =>
        e is RpcException rpc
            ? Explain(rpc, hub, what)
            : new LoadTestSetupException($"{what} failed at {hub}: {e.GetType().Name}: {e.Message}", e);
}
