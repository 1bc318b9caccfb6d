using ClearingHouse.Application.Channels;
using System.Diagnostics;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Commands;
using ClearingHouse.Grains.Options;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Server.Commands;

/// <summary>
/// This silo's CPO command channels, and the way to reach any CPO's channels in the cluster: the same
/// routing as the EMSP authorization channels (<see cref="Application.Tokens.MspChannelHub"/>). A send tries this
/// silo's channels first, then the CPO's <see cref="ICommandChannelGrain"/>, which forwards it to another
/// silo. A channel that drops fails its waiting commands over to the next channel at once; with none
/// left the EMSP gets NO_CHANNEL, and with no answer in time TIMEOUT, never a hang.
/// </summary>
public sealed partial class CommandChannelHub(
    SiloFanout fanout,
    IOptions<CommandsOptions> options,
    ILogger<CommandChannelHub> logger)
    : PartyChannelHub<PartyChannel<CommandRequest, CommandReply>, CommandRequest, CommandReply, CommandAsk, ICommandChannelObserver, ICommandChannelGrain>(fanout),
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
    protected override PartyChannel<CommandRequest, CommandReply> CreateChannel(PartyKey party) =>
        new(party, NextId('k'), options.Value.ChannelQueueCapacity);

    /// <inheritdoc />
    protected override void OnChannelOpened(PartyChannel<CommandRequest, CommandReply> channel) =>
        LogChannelOpened(logger, channel.Party.ToString(), channel.Id);

    /// <inheritdoc />
    protected override void OnChannelClosed(PartyChannel<CommandRequest, CommandReply> channel) =>
        LogChannelClosed(logger, channel.Party.ToString(), channel.Id);

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

        var request = CommandRequest.Parser.ParseFrom(ask.Payload);
        request.CommandId = ask.CommandId;
        request.Deadline = Timestamp.FromDateTime(DateTime.UtcNow + ask.Timeout);
        return SendOnChannelsAsync(group, ask.CommandId, request, started, ask.Timeout);
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "CPO {Cpo} opened command channel {ChannelId}")]
    private static partial void LogChannelOpened(ILogger logger, string cpo, string channelId);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "CPO {Cpo} command channel {ChannelId} closed")]
    private static partial void LogChannelClosed(ILogger logger, string cpo, string channelId);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "CPO {Cpo}: command channel registry unreachable ({ExceptionType})")]
    private static partial void LogRegistryFailed(ILogger logger, string cpo, string exceptionType);
}
