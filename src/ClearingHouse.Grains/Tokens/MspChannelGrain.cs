using ClearingHouse.Grains.Channels;
using ClearingHouse.Grains.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace ClearingHouse.Grains.Tokens;

/// <inheritdoc cref="IMspChannelGrain" />
/// <remarks>Reentrant: an ask waits on a remote silo's channel for up to the EMSP's deadline, and many asks must wait at once.</remarks>
[Reentrant]
public sealed partial class MspChannelGrain(IOptions<TokensOptions> options, ILogger<MspChannelGrain> logger)
    : PartyChannelRegistryGrain<IMspChannelObserver, MspAsk, MspReply>, IMspChannelGrain
{
    /// <inheritdoc />
    protected override TimeSpan RegistrationPeriod => options.Value.ChannelRegistrationPeriod;

    /// <inheritdoc />
    protected override MspReply NoChannelReply => MspReply.NoChannel;

    /// <inheritdoc />
    protected override MspReply TimeoutReply => MspReply.Timeout;

    /// <inheritdoc />
    public Task Register(string silo, IMspChannelObserver observer) => RegisterSilo(silo, observer);

    /// <inheritdoc />
    public Task Unregister(string silo) => UnregisterSilo(silo);

    /// <inheritdoc />
    public Task<MspReply> Ask(MspAsk ask, string exceptSilo)
    {
        ArgumentNullException.ThrowIfNull(ask);
        return ForwardAsync(ask, ask.Timeout, exceptSilo);
    }

    /// <inheritdoc />
    protected override Task<MspReply> CallObserver(IMspChannelObserver observer, MspAsk ask, TimeSpan remaining) =>
        observer.Ask(ask with { Timeout = remaining });

    /// <inheritdoc />
    protected override bool IsNoChannel(MspReply reply) => reply.Kind == Domain.Tokens.MspOutcomeKind.NoChannel;

    /// <inheritdoc />
    protected override void OnSiloDropped(string silo, string exceptionType) =>
        LogSiloDropped(logger, this.GetPrimaryKeyString(), silo, exceptionType);

    [LoggerMessage(EventId = 4040, Level = LogLevel.Warning, Message = "EMSP {Emsp}: channels on silo {Silo} unreachable ({ExceptionType}); removed")]
    private static partial void LogSiloDropped(ILogger logger, string emsp, string silo, string exceptionType);
}
