using System.Diagnostics;
using ClearingHouse.Application.Channels;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Commands;
using ClearingHouse.Grains.Diagnostics;
using ClearingHouse.Grains.Options;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Application.Commands;

/// <summary>A command as a CPO's channel carries it: what the CPO must do, and until when the hub waits for its answer.</summary>
public sealed record ChannelCommand(string CommandId, CommandKind Kind, PartyKey Emsp, CommandBody Body, DateTimeOffset Deadline);

/// <summary>
/// This silo's CPO command channels, and the way to reach any CPO's channels in the cluster: the same
/// routing as the EMSP authorization channels (<see cref="Tokens.MspChannelHub"/>). A send tries this
/// silo's channels first, then the CPO's <see cref="ICommandChannelGrain"/>, which forwards it to another
/// silo. A channel that drops fails its waiting commands over to the next channel at once; with none
/// left the EMSP gets NO_CHANNEL, and with no answer in time TIMEOUT, never a hang.
/// </summary>
public sealed partial class CommandChannelHub(
    SiloFanout fanout,
    IOptions<CommandsOptions> options,
    QueueMetrics queues,
    ILogger<CommandChannelHub> logger)
    : PartyChannelHub<PartyChannel<ChannelCommand, CommandReply>, ChannelCommand, CommandReply, CommandAsk, ICommandChannelObserver, ICommandChannelGrain>(fanout),
      ICommandChannelObserver
{
    /// <inheritdoc />
    protected override TimeSpan RegistrationPeriod => options.Value.ChannelRegistrationPeriod;

    /// <inheritdoc />
    protected override CommandReply NoChannelReply => CommandReply.NoChannel;

    /// <inheritdoc />
    protected override CommandReply TimeoutReply => CommandReply.Timeout;

    /// <summary>Sends a command to the CPO on any of its channels in the cluster, within <see cref="CommandAsk.Timeout"/>.</summary>
    public Task<CommandReply> SendAsync(CommandAsk ask)
    {
        ArgumentNullException.ThrowIfNull(ask);
        return SendAsync(ask.Cpo, ask, ask.Timeout);
    }

    /// <inheritdoc />
    Task<CommandReply> ICommandChannelObserver.Send(CommandAsk ask) => SendLocalAsync(ask);

    /// <inheritdoc />
    protected override PartyChannel<ChannelCommand, CommandReply> CreateChannel(PartyKey party) =>
        new(party, NextId('k'), options.Value.ChannelQueueCapacity);

    /// <inheritdoc />
    protected override void OnChannelOpened(PartyChannel<ChannelCommand, CommandReply> channel) =>
        LogChannelOpened(logger, channel.Party.ToString(), channel.Id);

    /// <inheritdoc />
    protected override void OnChannelClosed(PartyChannel<ChannelCommand, CommandReply> channel) =>
        LogChannelClosed(logger, channel.Party.ToString(), channel.Id);

    /// <inheritdoc />
    protected override void OnOutboxFull(PartyChannel<ChannelCommand, CommandReply> channel) => queues.Dropped(HubQueue.CommandChannelOutbox);

    /// <inheritdoc />
    protected override bool IsNoChannel(CommandReply reply) => reply.Delivery == CommandDeliveryKind.NoChannel;

    /// <inheritdoc />
    protected override Task<CommandReply> ForwardAsync(PartyKey party, CommandAsk ask, TimeSpan remaining) =>
        RegistryOf(party).Send(ask with { Timeout = remaining }, Silo);

    /// <inheritdoc />
    protected override void OnRegistryFailed(PartyKey party, string exceptionType) => LogRegistryFailed(logger, party.ToString(), exceptionType);

    /// <inheritdoc />
    protected override Task<CommandReply> SendLocalAsync(CommandAsk ask)
    {
        var started = Stopwatch.GetTimestamp();
        if (!TryGetItems(ask.Cpo, out var group))
        {
            return Task.FromResult(CommandReply.NoChannel);
        }

        var command = new ChannelCommand(ask.CommandId, ask.Kind, ask.Emsp, ask.Body, DateTimeOffset.UtcNow + ask.Timeout);
        return SendOnChannelsAsync(group, ask.CommandId, command, started, ask.Timeout);
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "CPO {Cpo} opened command channel {ChannelId}")]
    private static partial void LogChannelOpened(ILogger logger, string cpo, string channelId);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "CPO {Cpo} command channel {ChannelId} closed")]
    private static partial void LogChannelClosed(ILogger logger, string cpo, string channelId);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "CPO {Cpo}: command channel registry unreachable ({ExceptionType})")]
    private static partial void LogRegistryFailed(ILogger logger, string cpo, string exceptionType);
}
