using System.Diagnostics;
using ClearingHouse.Application.Channels;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains.Options;
using ClearingHouse.Grains.Tokens;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Application.Tokens;

/// <summary>
/// This silo's EMSP authorization channels, and the way to reach any EMSP's channels in the cluster.
/// An ask tries this silo's channels first (no extra hop), then the EMSP's <see cref="IMspChannelGrain"/>,
/// which forwards it to another silo's hub through this observer interface. Requests are spread
/// round-robin over an EMSP's channels; a channel that drops fails its waiting requests over to the
/// next channel at once, and when none is left the caller gets NoChannel (its fallback rule).
/// Answers are awaited by the stopwatch (<see cref="PartyChannelHub{TChannel, TMessage, TReply, TAsk, TObserver, TRegistry}.WaitFullyAsync"/>),
/// so a fallback never reaches the CPO before the EMSP's announced deadline.
/// </summary>
public sealed partial class MspChannelHub(
    SiloFanout fanout,
    IOptions<TokensOptions> options,
    TokenMetrics metrics,
    ILogger<MspChannelHub> logger)
    : PartyChannelHub<MspChannel, MspAuthorizationRequest, MspReply, MspAsk, IMspChannelObserver, IMspChannelGrain>(fanout), IMspChannelObserver
{
    /// <inheritdoc />
    protected override TimeSpan RegistrationPeriod => options.Value.ChannelRegistrationPeriod;

    /// <inheritdoc />
    protected override MspReply NoChannelReply => MspReply.NoChannel;

    /// <inheritdoc />
    protected override MspReply TimeoutReply => MspReply.Timeout;

    /// <summary>How many authorization channels each EMSP has open on this silo (operator health view).</summary>
    public IReadOnlyDictionary<PartyKey, int> OpenChannelCounts() =>
        Parties.Where(e => e.Value.Items.Length > 0).ToDictionary(e => e.Key, e => e.Value.Items.Length);

    /// <summary>Asks the token's EMSP on any of its channels in the cluster, within <see cref="MspAsk.Timeout"/>.</summary>
    public Task<MspReply> AskAsync(MspAsk ask)
    {
        ArgumentNullException.ThrowIfNull(ask);
        return SendAsync(ask.Token.Owner, ask, ask.Timeout);
    }

    /// <inheritdoc />
    Task<MspReply> IMspChannelObserver.Ask(MspAsk ask) => SendLocalAsync(ask);

    /// <inheritdoc />
    protected override MspChannel CreateChannel(PartyKey party) => new(party, NextId('c'), options.Value.ChannelQueueCapacity);

    /// <inheritdoc />
    protected override void OnChannelOpened(MspChannel channel)
    {
        metrics.ChannelOpened(1);
        LogChannelOpened(logger, channel.Emsp.ToString(), channel.Id);
    }

    /// <inheritdoc />
    protected override void OnChannelClosed(MspChannel channel)
    {
        metrics.ChannelOpened(-1);
        LogChannelClosed(logger, channel.Emsp.ToString(), channel.Id);
    }

    /// <inheritdoc />
    protected override void OnOutboxFull(MspChannel channel) => metrics.OutboxFull();

    /// <inheritdoc />
    protected override bool IsNoChannel(MspReply reply) => reply.Kind == MspOutcomeKind.NoChannel;

    /// <inheritdoc />
    protected override Task<MspReply> ForwardAsync(PartyKey party, MspAsk ask, TimeSpan remaining) =>
        RegistryOf(party).Ask(ask with { Timeout = remaining }, Silo);

    /// <inheritdoc />
    protected override void OnRegistryFailed(PartyKey party, string exceptionType) => LogRegistryFailed(logger, party.ToString(), exceptionType);

    /// <inheritdoc />
    protected override Task<MspReply> SendLocalAsync(MspAsk ask)
    {
        var started = Stopwatch.GetTimestamp();
        if (!TryGetItems(ask.Token.Owner, out var group))
        {
            return Task.FromResult(MspReply.NoChannel);
        }

        // The edge builds its wire message from the ask when it writes the request.
        // On another silo, Activity.Current is Orleans' span of the forwarded call: the CPO's trace crosses silos.
        var request = new MspAuthorizationRequest(NextId('r'), ask, DateTime.UtcNow + ask.Timeout, Activity.Current?.Context ?? default);
        return SendOnChannelsAsync(group, request.RequestId, request, started, ask.Timeout);
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "EMSP {Emsp} opened authorization channel {ChannelId}")]
    private static partial void LogChannelOpened(ILogger logger, string emsp, string channelId);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "EMSP {Emsp} authorization channel {ChannelId} closed")]
    private static partial void LogChannelClosed(ILogger logger, string emsp, string channelId);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "EMSP {Emsp}: channel registry unreachable ({ExceptionType})")]
    private static partial void LogRegistryFailed(ILogger logger, string emsp, string exceptionType);
}
