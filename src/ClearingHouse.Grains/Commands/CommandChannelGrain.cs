using ClearingHouse.Grains.Channels;
using ClearingHouse.Grains.Options;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace ClearingHouse.Grains.Commands;

/// <inheritdoc cref="ICommandChannelGrain" />
/// <remarks>Reentrant, as the EMSP channel registry: many sends wait on remote channels at once.</remarks>
[Reentrant]
public sealed class CommandChannelGrain(IOptions<CommandsOptions> options)
    : PartyChannelRegistryGrain<ICommandChannelObserver, CommandAsk, CommandReply>, ICommandChannelGrain
{
    /// <inheritdoc />
    protected override TimeSpan RegistrationPeriod => options.Value.ChannelRegistrationPeriod;

    /// <inheritdoc />
    protected override CommandReply NoChannelReply => CommandReply.NoChannel;

    /// <inheritdoc />
    protected override CommandReply TimeoutReply => CommandReply.Timeout;

    /// <inheritdoc />
    public Task<CommandReply> Send(CommandAsk ask, SiloAddress exceptSilo)
    {
        ArgumentNullException.ThrowIfNull(ask);
        return ForwardAsync(ask, ask.Timeout, exceptSilo);
    }

    /// <inheritdoc />
    protected override Task<CommandReply> CallObserver(ICommandChannelObserver observer, CommandAsk ask, TimeSpan remaining) =>
        observer.Send(ask with { Timeout = remaining });

    /// <inheritdoc />
    protected override bool IsNoChannel(CommandReply reply) => reply.Delivery == CommandDeliveryKind.NoChannel;
}
