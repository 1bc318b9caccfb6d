using ClearingHouse.Grains.Channels;
using ClearingHouse.Grains.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace ClearingHouse.Grains.Commands;

/// <inheritdoc cref="ICommandChannelGrain" />
/// <remarks>Reentrant, as the EMSP channel registry: many sends wait on remote channels at once.</remarks>
[Reentrant]
public sealed partial class CommandChannelGrain(IOptions<CommandsOptions> options, ILogger<CommandChannelGrain> logger)
    : PartyChannelRegistryGrain<ICommandChannelObserver, CommandAsk, CommandReply>, ICommandChannelGrain
{
    /// <inheritdoc />
    protected override TimeSpan RegistrationPeriod => options.Value.ChannelRegistrationPeriod;

    /// <inheritdoc />
    protected override CommandReply NoChannelReply => CommandReply.NoChannel;

    /// <inheritdoc />
    protected override CommandReply TimeoutReply => CommandReply.Timeout;

    /// <inheritdoc />
    public Task Register(string silo, ICommandChannelObserver observer) => RegisterSilo(silo, observer);

    /// <inheritdoc />
    public Task Unregister(string silo) => UnregisterSilo(silo);

    /// <inheritdoc />
    public Task<CommandReply> Send(CommandAsk ask, string exceptSilo)
    {
        ArgumentNullException.ThrowIfNull(ask);
        return ForwardAsync(ask, ask.Timeout, exceptSilo);
    }

    /// <inheritdoc />
    protected override Task<CommandReply> CallObserver(ICommandChannelObserver observer, CommandAsk ask, TimeSpan remaining) =>
        observer.Send(ask with { Timeout = remaining });

    /// <inheritdoc />
    protected override bool IsNoChannel(CommandReply reply) => reply.Delivery == CommandDeliveryKind.NoChannel;

    /// <inheritdoc />
    protected override void OnSiloDropped(string silo, string exceptionType) =>
        LogSiloDropped(logger, this.GetPrimaryKeyString(), silo, exceptionType);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "CPO {Cpo}: command channels on silo {Silo} unreachable ({ExceptionType}); removed")]
    private static partial void LogSiloDropped(ILogger logger, string cpo, string silo, string exceptionType);
}
