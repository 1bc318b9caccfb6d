using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Security.Cryptography;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Commands;
using ClearingHouse.Grains.Options;
using ClearingHouse.Server.Channels;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Server.Commands;

/// <summary>
/// This silo's CPO command channels, and the way to reach any CPO's channels in the cluster: the same
/// routing as the EMSP authorization channels (<see cref="Tokens.MspChannelHub"/>). A send tries this
/// silo's channels first, then the CPO's <see cref="ICommandChannelGrain"/>, which forwards it to another
/// silo. A channel that drops fails its waiting commands over to the next channel at once; with none
/// left the EMSP gets NO_CHANNEL, and with no answer in time TIMEOUT, never a hang.
/// </summary>
public sealed partial class CommandChannelHub(
    IGrainFactory grains,
    ILocalSiloDetails silo,
    IOptions<CommandsOptions> options,
    ILogger<CommandChannelHub> logger) : BackgroundService, ICommandChannelObserver
{
    private readonly ConcurrentDictionary<PartyKey, CpoChannels> _byCpo = new();
    private readonly string _prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    private readonly string _siloId = silo.SiloAddress.ToParsableString();
    private ICommandChannelObserver? _reference;
    private long _sequence;

    /// <summary>Opens a channel of <paramref name="cpo"/> on this silo and makes it reachable cluster-wide.</summary>
    public async Task<PartyChannel<CommandRequest, CommandReply>> OpenAsync(PartyKey cpo)
    {
        var channel = new PartyChannel<CommandRequest, CommandReply>(cpo, $"{_prefix}-k{Interlocked.Increment(ref _sequence):x}", options.Value.ChannelQueueCapacity);
        var group = _byCpo.GetOrAdd(cpo, _ => new CpoChannels());
        await group.Gate.WaitAsync();
        try
        {
            group.Channels = group.Channels.Add(channel);
            if (group.Channels.Length == 1)
            {
                await RegistryOf(cpo).Register(_siloId, Reference);
            }
        }
        finally
        {
            group.Gate.Release();
        }

        LogChannelOpened(logger, cpo.ToString(), channel.Id);
        return channel;
    }

    /// <summary>Closes a channel; its waiting commands fail over at once.</summary>
    public async Task CloseAsync(PartyChannel<CommandRequest, CommandReply> channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        channel.Close();
        if (!_byCpo.TryGetValue(channel.Party, out var group))
        {
            return;
        }

        await group.Gate.WaitAsync();
        try
        {
            var before = group.Channels.Length;
            group.Channels = group.Channels.Remove(channel);
            if (group.Channels.Length != before)
            {
                LogChannelClosed(logger, channel.Party.ToString(), channel.Id);
            }

            if (before > 0 && group.Channels.IsEmpty)
            {
                try
                {
                    await RegistryOf(channel.Party).Unregister(_siloId);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogRegistryFailed(logger, channel.Party.ToString(), ex.GetType().Name);
                }
            }
        }
        finally
        {
            group.Gate.Release();
        }
    }

    /// <summary>Sends a command to the CPO on any of its channels in the cluster, within <see cref="CommandAsk.Timeout"/>.</summary>
    public async Task<CommandReply> SendAsync(CommandAsk ask)
    {
        ArgumentNullException.ThrowIfNull(ask);
        var started = Stopwatch.GetTimestamp();
        if (_byCpo.TryGetValue(ask.Cpo, out var group) && !group.Channels.IsEmpty)
        {
            var local = await SendLocalAsync(ask);
            if (local.Delivery != CommandDeliveryKind.NoChannel)
            {
                return local;
            }
        }

        var remaining = ask.Timeout - Stopwatch.GetElapsedTime(started);
        if (remaining <= TimeSpan.Zero)
        {
            return CommandReply.Timeout;
        }

        try
        {
            return await RegistryOf(ask.Cpo).Send(ask with { Timeout = remaining }, _siloId).WaitAsync(remaining);
        }
        catch (TimeoutException)
        {
            return CommandReply.Timeout;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogRegistryFailed(logger, ask.Cpo.ToString(), ex.GetType().Name);
            return CommandReply.NoChannel;
        }
    }

    /// <inheritdoc />
    Task<CommandReply> ICommandChannelObserver.Send(CommandAsk ask) => SendLocalAsync(ask);

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        foreach (var group in _byCpo.Values)
        {
            foreach (var channel in group.Channels)
            {
                channel.Close();
            }
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        foreach (var group in _byCpo.Values)
        {
            group.Dispose();
        }

        base.Dispose();
    }

    /// <summary>Re-registers this silo's channels periodically, so a registry re-activated elsewhere learns them again.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ChannelRegistrationPeriod);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                foreach (var (cpo, group) in _byCpo)
                {
                    if (group.Channels.IsEmpty)
                    {
                        continue;
                    }

                    try
                    {
                        await RegistryOf(cpo).Register(_siloId, Reference);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        LogRegistryFailed(logger, cpo.ToString(), ex.GetType().Name);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private ICommandChannelObserver Reference => _reference ??= grains.CreateObjectReference<ICommandChannelObserver>(this);

    private ICommandChannelGrain RegistryOf(PartyKey cpo) => grains.GetGrain<ICommandChannelGrain>(cpo.ToString());

    private async Task<CommandReply> SendLocalAsync(CommandAsk ask)
    {
        var started = Stopwatch.GetTimestamp();
        if (!_byCpo.TryGetValue(ask.Cpo, out var group))
        {
            return CommandReply.NoChannel;
        }

        var request = CommandRequest.Parser.ParseFrom(ask.Payload);
        request.CommandId = ask.CommandId;
        request.Deadline = Timestamp.FromDateTime(DateTime.UtcNow + ask.Timeout);
        var channels = group.Channels;
        var first = (int)((uint)Interlocked.Increment(ref group.Next) % (uint)Math.Max(channels.Length, 1));
        for (var i = 0; i < channels.Length; i++)
        {
            var channel = channels[(first + i) % channels.Length];
            var remaining = ask.Timeout - Stopwatch.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                return CommandReply.Timeout;
            }

            var answer = new TaskCompletionSource<CommandReply?>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!channel.TrySend(ask.CommandId, request, answer))
            {
                continue;
            }

            try
            {
                var reply = await answer.Task.WaitAsync(remaining);
                if (reply is not null)
                {
                    return reply;
                }

                // The channel dropped while the command waited: try the next one at once.
            }
            catch (TimeoutException)
            {
                channel.Forget(ask.CommandId);
                return CommandReply.Timeout;
            }
        }

        return CommandReply.NoChannel;
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "CPO {Cpo} opened command channel {ChannelId}")]
    private static partial void LogChannelOpened(ILogger logger, string cpo, string channelId);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "CPO {Cpo} command channel {ChannelId} closed")]
    private static partial void LogChannelClosed(ILogger logger, string cpo, string channelId);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "CPO {Cpo}: command channel registry unreachable ({ExceptionType})")]
    private static partial void LogRegistryFailed(ILogger logger, string cpo, string exceptionType);

    private sealed class CpoChannels : IDisposable
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public ImmutableArray<PartyChannel<CommandRequest, CommandReply>> Channels = [];
        public int Next;

        public void Dispose() => Gate.Dispose();
    }
}
