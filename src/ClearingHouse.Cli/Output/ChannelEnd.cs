using Grpc.Core;

namespace ClearingHouse.Cli.Output;

/// <summary>The end of a channel the CLI answers on (<c>cpo answer</c>, <c>msp answer</c>).</summary>
public static class ChannelEnd
{
    private static readonly TimeSpan Linger = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Completes the request stream, then reads the response stream until the hub ends it (at most 10 s). Disposing a
    /// call whose response is still open resets the stream, and the hub could see the reset before the last answer
    /// written: the EMSP would get NO_CHANNEL for a command the CPO answered.
    /// </summary>
    public static async Task CloseAsync<TRequest, TResponse>(IClientStreamWriter<TRequest> requests, IAsyncStreamReader<TResponse> responses, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ArgumentNullException.ThrowIfNull(responses);
        await requests.CompleteAsync();
        using var linger = CancellationTokenSource.CreateLinkedTokenSource(ct);
        linger.CancelAfter(Linger);
        try
        {
            while (await responses.MoveNext(linger.Token))
            {
                // Anything the hub still sends after our last answer is for a channel that is closing: not answered.
            }
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException)
        {
            // The hub ended the call its own way, or did not within the linger time: either way we are done.
        }
    }
}
