using ClearingHouse.Grains.Channels;
using ClearingHouse.Grains.Options;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace ClearingHouse.Grains.Tokens;

/// <inheritdoc cref="IMspChannelGrain" />
/// <remarks>Reentrant: an ask waits on a remote silo's channel for up to the EMSP's deadline, and many asks must wait at once.</remarks>
[Reentrant]
public sealed class MspChannelGrain(IOptions<TokensOptions> options)
    : PartyChannelRegistryGrain<IMspChannelObserver, MspAsk, MspReply>, IMspChannelGrain
{
    /// <inheritdoc />
    protected override TimeSpan RegistrationPeriod => options.Value.ChannelRegistrationPeriod;

    /// <inheritdoc />
    protected override MspReply NoChannelReply => MspReply.NoChannel;

    /// <inheritdoc />
    protected override MspReply TimeoutReply => MspReply.Timeout;

    /// <inheritdoc />
    public Task<MspReply> Ask(MspAsk ask, SiloAddress exceptSilo)
    {
        ArgumentNullException.ThrowIfNull(ask);
        return ForwardAsync(ask, ask.Timeout, exceptSilo);
    }

    /// <inheritdoc />
    protected override Task<MspReply> CallObserver(IMspChannelObserver observer, MspAsk ask, TimeSpan remaining) =>
        observer.Ask(ask with { Timeout = remaining });

    /// <inheritdoc />
    protected override bool IsNoChannel(MspReply reply) => reply.Kind == Domain.Tokens.MspOutcomeKind.NoChannel;
}
