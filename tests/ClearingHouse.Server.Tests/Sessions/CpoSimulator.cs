using ClearingHouse.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace ClearingHouse.Server.Tests.Sessions;

/// <summary>How a simulated CPO answers commands.</summary>
public enum CpoBehaviour
{
    /// <summary>ACCEPTED at once, then the result ACCEPTED.</summary>
    AcceptAndSucceed,

    /// <summary>ACCEPTED with a 1 s result timeout, then never a result.</summary>
    AcceptAndForget,

    /// <summary>REJECTED at once.</summary>
    Reject,

    /// <summary>Never answers.</summary>
    Silent,

    /// <summary>Drops the channel when a command arrives.</summary>
    DropOnCommand,
}

/// <summary>A CPO's CommandChannel over real gRPC, answering by a rule.</summary>
public sealed class CpoSimulator : IAsyncDisposable
{
    private readonly AsyncDuplexStreamingCall<CommandChannelRequest, CommandChannelResponse> _call;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<CommandChannelReady> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Task _loop;
    private int _received;

    private CpoSimulator(GrpcChannel channel, CpoBehaviour behaviour)
    {
        _call = new CommandService.CommandServiceClient(channel).CommandChannel(cancellationToken: _stop.Token);
        _loop = RunAsync(behaviour);
    }

    /// <summary>Commands received.</summary>
    public int Received => Volatile.Read(ref _received);

    /// <summary>The last command received.</summary>
    public CommandRequest? LastCommand { get; private set; }

    /// <summary>Ends with the status the hub closed the channel with.</summary>
    public Task Completion => _loop;

    /// <summary>Opens a channel and waits until the hub says it is ready.</summary>
    public static async Task<CpoSimulator> OpenAsync(GrpcChannel channel, CpoBehaviour behaviour)
    {
        var cpo = new CpoSimulator(channel, behaviour);
        await cpo._ready.Task.WaitAsync(TimeSpan.FromSeconds(20));
        return cpo;
    }

    /// <summary>Sends a raw message on the channel.</summary>
    public async Task SendAsync(CommandChannelRequest message)
    {
        await _gate.WaitAsync();
        try
        {
            await _call.RequestStream.WriteAsync(message);
        }
        finally
        {
            _gate.Release();
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
        _gate.Dispose();
    }

    private async Task RunAsync(CpoBehaviour behaviour)
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

                var command = message.Command;
                LastCommand = command;
                Interlocked.Increment(ref _received);
                switch (behaviour)
                {
                    case CpoBehaviour.AcceptAndSucceed:
                        await SendAsync(new CommandChannelRequest { Answer = new CommandAnswer { CommandId = command.CommandId, Response = new CommandResponse { Result = CommandResponseType.Accepted, Timeout = 30 } } });
                        await SendAsync(new CommandChannelRequest { Result = new CommandResultReport { CommandId = command.CommandId, Result = new CommandResult { Result = CommandResultType.Accepted } } });
                        break;
                    case CpoBehaviour.AcceptAndForget:
                        await SendAsync(new CommandChannelRequest { Answer = new CommandAnswer { CommandId = command.CommandId, Response = new CommandResponse { Result = CommandResponseType.Accepted, Timeout = 1 } } });
                        break;
                    case CpoBehaviour.Reject:
                        await SendAsync(new CommandChannelRequest { Answer = new CommandAnswer { CommandId = command.CommandId, Response = new CommandResponse { Result = CommandResponseType.Rejected, Message = new DisplayText { Language = "en", Text = "EVSE busy" } } } });
                        break;
                    case CpoBehaviour.DropOnCommand:
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
