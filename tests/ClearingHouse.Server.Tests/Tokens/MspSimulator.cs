using ClearingHouse.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace ClearingHouse.Server.Tests.Tokens;

/// <summary>How a simulated EMSP answers.</summary>
public enum MspBehaviour
{
    /// <summary>Answers ALLOWED at once.</summary>
    Allow,

    /// <summary>Answers BLOCKED at once.</summary>
    Deny,

    /// <summary>Never answers.</summary>
    Silent,

    /// <summary>Drops the channel when a request arrives.</summary>
    DropOnRequest,
}

/// <summary>An EMSP's AuthorizationChannel over real gRPC, answering by a rule.</summary>
public sealed class MspSimulator : IAsyncDisposable
{
    private readonly AsyncDuplexStreamingCall<AuthorizationChannelRequest, AuthorizationChannelResponse> _call;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<AuthorizationChannelReady> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _loop;
    private int _received;

    private MspSimulator(GrpcChannel channel, MspBehaviour behaviour)
    {
        _call = new TokenService.TokenServiceClient(channel).AuthorizationChannel(cancellationToken: _stop.Token);
        _loop = RunAsync(behaviour);
    }

    /// <summary>Requests received.</summary>
    public int Received => Volatile.Read(ref _received);

    /// <summary>The last request received.</summary>
    public AuthorizationRequest? LastRequest { get; private set; }

    /// <summary>Ends with the status the hub closed the channel with.</summary>
    public Task Completion => _loop;

    /// <summary>Opens a channel and waits until the hub says it is ready.</summary>
    public static async Task<MspSimulator> OpenAsync(GrpcChannel channel, MspBehaviour behaviour)
    {
        var msp = new MspSimulator(channel, behaviour);
        await msp._ready.Task.WaitAsync(TimeSpan.FromSeconds(20));
        return msp;
    }

    /// <summary>Sends a raw message on the channel.</summary>
    public Task SendAsync(AuthorizationChannelRequest message) => _call.RequestStream.WriteAsync(message);

    /// <summary>Closes the channel from the EMSP's side.</summary>
    public async Task CloseAsync()
    {
        try
        {
            await _call.RequestStream.CompleteAsync();
            await _loop.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException or OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException or TimeoutException or InvalidOperationException)
        {
        }

        _call.Dispose();
        _stop.Dispose();
    }

    private async Task RunAsync(MspBehaviour behaviour)
    {
        try
        {
            await foreach (var message in _call.ResponseStream.ReadAllAsync(_stop.Token))
            {
                if (message.Ready is { } ready)
                {
                    _ready.TrySetResult(ready);
                    continue;
                }

                var request = message.Request;
                LastRequest = request;
                Interlocked.Increment(ref _received);
                switch (behaviour)
                {
                    case MspBehaviour.Allow:
                    case MspBehaviour.Deny:
                        await _call.RequestStream.WriteAsync(new AuthorizationChannelRequest
                        {
                            Answer = new AuthorizationAnswer
                            {
                                RequestId = request.RequestId,
                                Allowed = behaviour == MspBehaviour.Allow ? AllowedType.Allowed : AllowedType.Blocked,
                                Info = new DisplayText { Language = "en", Text = behaviour == MspBehaviour.Allow ? "Welcome" : "Card blocked by your provider" },
                            },
                        });
                        break;
                    case MspBehaviour.DropOnRequest:
                        await _stop.CancelAsync();
                        return;
                }
            }
        }
        catch (Exception ex)
        {
            _ready.TrySetException(ex);
            throw;
        }
    }
}
