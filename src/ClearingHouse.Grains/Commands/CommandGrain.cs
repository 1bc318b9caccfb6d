using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Options;
using ClearingHouse.Grains.Sessions;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Grains.Commands;

/// <inheritdoc cref="ICommandGrain" />
/// <remarks>
/// While an accepted command waits for its result, a grain timer (kept alive) fires at the deadline
/// and records TIMEOUT; after a restart the activation re-arms it from the stored deadline, so an EMSP
/// always gets a result.
/// </remarks>
public sealed class CommandGrain(
    [PersistentState("command", StorageProviders.Durable)] IPersistentState<CommandState> state,
    HubClock clock,
    IOptions<CommandsOptions> options) : Grain, ICommandGrain
{
    /// <summary>The result type the hub sets when none arrives in time (CommandResultType.TIMEOUT).</summary>
    public const int TimeoutResult = 8;

    private const int Accepted = 3;
    private IGrainTimer? _timer;

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        ArmTimer();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task Create(CommandRecord command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (state.State.Command is not null)
        {
            throw new HubException(HubErrorCode.AlreadyExists, "the command exists already");
        }

        await CommitAsync(command);
    }

    /// <inheritdoc />
    public async Task<CommandRecord> SetResponse(CommandReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var command = state.State.Command ?? throw new HubException(HubErrorCode.NotFound, "no such command");
        DateTimeOffset? deadline = null;
        if (reply.Delivery == CommandDeliveryKind.Answered && reply.Response == Accepted)
        {
            var o = options.Value;
            var wait = reply.TimeoutSeconds > 0 ? TimeSpan.FromSeconds(reply.TimeoutSeconds) : o.DefaultResultTimeout;
            deadline = clock.UtcNow + (wait > o.MaxResultTimeout ? o.MaxResultTimeout : wait);
        }

        await CommitAsync(command with
        {
            Delivery = reply.Delivery,
            Response = reply.Response,
            ResponseMessage = reply.Message,
            ResponseTimeoutSeconds = reply.TimeoutSeconds,
            ResultDeadline = deadline,
        });
        ArmTimer();
        return state.State.Command!;
    }

    /// <inheritdoc />
    public async Task<bool> ReportResult(PartyKey cpo, int result, CommandText? message, string? payload)
    {
        if (state.State.Command is not { } command || command.Cpo != cpo || command.Result != 0)
        {
            if (state.State.Command is null)
            {
                DeactivateOnIdle();
            }

            return false;
        }

        await FinishAsync(command with { ResultPayload = payload }, result, message);
        return true;
    }

    /// <inheritdoc />
    public Task<CommandRecord?> Get()
    {
        if (state.State.Command is null)
        {
            DeactivateOnIdle();
        }

        return Task.FromResult(state.State.Command);
    }

    private async Task FinishAsync(CommandRecord command, int result, CommandText? message)
    {
        await CommitAsync(command with { Result = result, ResultMessage = message, ResultAt = clock.UtcNow });
        _timer?.Dispose();
        _timer = null;
        GrainFactory.GetGrain<IPartyFeedGrain>(command.Emsp.ToString()).CommandResult(state.State.Command!).Ignore();
    }

    private void ArmTimer()
    {
        if (_timer is not null || state.State.Command is not { Result: 0, ResultDeadline: { } deadline })
        {
            return;
        }

        var due = deadline - clock.UtcNow;
        _timer = this.RegisterGrainTimer(
            OnDeadlineAsync,
            new GrainTimerCreationOptions { DueTime = due > TimeSpan.Zero ? due : TimeSpan.Zero, Period = TimeSpan.FromSeconds(5), KeepAlive = true });
    }

    private async Task OnDeadlineAsync(CancellationToken cancellationToken)
    {
        if (state.State.Command is not { Result: 0, ResultDeadline: { } deadline } command)
        {
            _timer?.Dispose();
            _timer = null;
            return;
        }

        if (clock.UtcNow < deadline)
        {
            return;
        }

        await FinishAsync(command, TimeoutResult, new CommandText("en", $"no result from the CPO within {(deadline - command.RequestedAt).TotalSeconds:0} s"));
    }

    private async Task CommitAsync(CommandRecord command)
    {
        var previous = state.State.Command;
        state.State.Command = command;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State.Command = previous;
            await state.ReadStateAsync();
            throw;
        }
    }
}
