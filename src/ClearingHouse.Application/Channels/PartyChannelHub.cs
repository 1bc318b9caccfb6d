using System.Diagnostics;
using System.Security.Cryptography;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Channels;

namespace ClearingHouse.Application.Channels;

/// <summary>
/// This silo's open channels of each party (EMSP authorization channels, CPO command channels), and the
/// way to reach any party's channels in the cluster. A request tries this silo's channels first (no extra
/// hop), round-robin; a channel that drops fails its waiting requests over to the next channel at once.
/// Then the party's registry grain forwards it to another silo's hub. With no channel left the caller gets
/// <see cref="NoChannelReply"/>, with no answer in time <see cref="TimeoutReply"/>, never a hang.
/// </summary>
/// <typeparam name="TChannel">The channel type.</typeparam>
/// <typeparam name="TMessage">What the hub writes to a channel's stream.</typeparam>
/// <typeparam name="TReply">The answer to a request.</typeparam>
/// <typeparam name="TAsk">A request as the registry grains forward it.</typeparam>
/// <typeparam name="TObserver">The observer interface the registry grain calls this silo through.</typeparam>
/// <typeparam name="TRegistry">The party's registry grain, which forwards requests to other silos.</typeparam>
public abstract class PartyChannelHub<TChannel, TMessage, TReply, TAsk, TObserver, TRegistry>
    : SiloRegistrations<PartyKey, TChannel, TObserver, TRegistry>, IHostedService
    where TChannel : PartyChannel<TMessage, TReply>
    where TReply : class
    where TObserver : class, IGrainObserver
    where TRegistry : ISiloRegistryGrain<TObserver>
{
    private readonly string _prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    private long _sequence;

    /// <summary>
    /// Creates the hub of this silo. Answers are awaited by the stopwatch (<see cref="WaitFullyAsync"/>), never
    /// less than the request's timeout: the partner gets the whole time it was announced.
    /// </summary>
    protected PartyChannelHub(SiloFanout fanout)
        : base(fanout)
    {
    }

    /// <summary>How often this silo re-registers its parties.</summary>
    protected abstract TimeSpan RegistrationPeriod { get; }

    /// <inheritdoc />
    public override TimeSpan RenewalPeriod => RegistrationPeriod;

    /// <summary>Every party that has (or had) channels on this silo.</summary>
    protected IEnumerable<KeyValuePair<PartyKey, KeyItems>> Parties => Held;

    /// <summary>Messages queued in this silo's channel outboxes and not yet written (the saturation gauge reads it).</summary>
    public long QueuedMessages => SumOverItems(static c => c.Outbox.Count);

    /// <summary>Called when an open channel's full outbox refused a request (it then tries the next channel).</summary>
    protected virtual void OnOutboxFull(TChannel channel)
    {
    }

    /// <summary>The reply when no channel could take the request.</summary>
    protected abstract TReply NoChannelReply { get; }

    /// <summary>The reply when the request's time ran out.</summary>
    protected abstract TReply TimeoutReply { get; }

    /// <summary>Opens a channel of <paramref name="party"/> on this silo and makes it reachable cluster-wide.</summary>
    public async Task<TChannel> OpenAsync(PartyKey party)
    {
        var channel = CreateChannel(party);
        await AddAsync(party, channel);
        OnChannelOpened(channel);
        return channel;
    }

    /// <summary>Closes a channel; its waiting requests fail over at once.</summary>
    public async Task CloseAsync(TChannel channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        channel.Close();
        if (await RemoveAsync(channel.Party, channel))
        {
            OnChannelClosed(channel);
        }
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var (_, group) in Held)
        {
            foreach (var channel in group.Items)
            {
                channel.Close();
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Waits for <paramref name="task"/> until <paramref name="timeout"/> after <paramref name="started"/>,
    /// never less by the stopwatch: timers run on the runtime's coarse tick count, and with a plain
    /// <c>WaitAsync</c> 35 % of the fallbacks measured under load (authorize-burst, AUTHORIZE_MSP_SILENT=1,
    /// 1,000 calls/s) reached the CPO before the EMSP's announced deadline; none after this. A timer that
    /// fires early waits again for what is left, rounded up to a whole millisecond: <c>WaitAsync</c> truncates
    /// to milliseconds, and under one it times out at once, which made the loop spin (and throw) until the deadline.
    /// </summary>
    internal static async Task<T> WaitFullyAsync<T>(Task<T> task, long started, TimeSpan timeout)
    {
        while (true)
        {
            var remaining = timeout - Stopwatch.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                return task.IsCompleted ? await task : throw new TimeoutException();
            }

            try
            {
                return await task.WaitAsync(TimeSpan.FromMilliseconds(Math.Ceiling(remaining.TotalMilliseconds)));
            }
            catch (TimeoutException) when (Stopwatch.GetElapsedTime(started) < timeout)
            {
                // Fired early: wait for the rest.
            }
        }
    }

    /// <summary>A new hub-wide id: this hub's random prefix, <paramref name="kind"/>, a sequence number.</summary>
    protected string NextId(char kind) => $"{_prefix}-{kind}{Interlocked.Increment(ref _sequence):x}";

    /// <summary>A new channel of <paramref name="party"/> (its id from <see cref="NextId"/>).</summary>
    protected abstract TChannel CreateChannel(PartyKey party);

    /// <summary>Called after a channel opened (logging, metrics).</summary>
    protected abstract void OnChannelOpened(TChannel channel);

    /// <summary>Called after an open channel closed (logging, metrics).</summary>
    protected abstract void OnChannelClosed(TChannel channel);

    /// <summary>Whether <paramref name="reply"/> says that no channel took the request.</summary>
    protected abstract bool IsNoChannel(TReply reply);

    /// <summary>Serves <paramref name="ask"/> on this silo's channels only (what a forwarding registry calls).</summary>
    protected abstract Task<TReply> SendLocalAsync(TAsk ask);

    /// <summary>Has <paramref name="party"/>'s registry grain forward <paramref name="ask"/> to another silo, its timeout cut to <paramref name="remaining"/>.</summary>
    protected abstract Task<TReply> ForwardAsync(PartyKey party, TAsk ask, TimeSpan remaining);

    /// <summary>Sends <paramref name="ask"/> to <paramref name="party"/> on any of its channels in the cluster, within <paramref name="timeout"/>.</summary>
    protected async Task<TReply> SendAsync(PartyKey party, TAsk ask, TimeSpan timeout)
    {
        var started = Stopwatch.GetTimestamp();
        if (TryGetItems(party, out var group) && !group.Items.IsEmpty)
        {
            var local = await SendLocalAsync(ask);
            if (!IsNoChannel(local))
            {
                return local;
            }
        }

        var remaining = timeout - Stopwatch.GetElapsedTime(started);
        if (remaining <= TimeSpan.Zero)
        {
            return TimeoutReply;
        }

        try
        {
            var forwarded = ForwardAsync(party, ask, remaining);
            return await WaitFullyAsync(forwarded, started, timeout);
        }
        catch (TimeoutException)
        {
            return TimeoutReply;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The registry cannot be reached: to the caller this is a party without a channel.
            OnRegistryFailed(party, ex.GetType().Name);
            return NoChannelReply;
        }
    }

    /// <summary>
    /// Sends <paramref name="message"/> (answered under <paramref name="requestId"/>) on <paramref name="group"/>'s
    /// channels round-robin, failing over to the next channel when one drops, until <paramref name="timeout"/>
    /// after <paramref name="started"/>.
    /// </summary>
    protected async Task<TReply> SendOnChannelsAsync(KeyItems group, string requestId, TMessage message, long started, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(group);
        var channels = group.Items;
        var first = group.NextStart(channels.Length);
        for (var i = 0; i < channels.Length; i++)
        {
            var channel = channels[(first + i) % channels.Length];
            var remaining = timeout - Stopwatch.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                return TimeoutReply;
            }

            var answer = new TaskCompletionSource<TReply?>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!channel.TrySend(requestId, message, answer))
            {
                if (!channel.IsClosed)
                {
                    OnOutboxFull(channel);
                }

                continue;
            }

            try
            {
                var reply = await WaitFullyAsync(answer.Task, started, timeout);
                if (reply is not null)
                {
                    return reply;
                }

                // The channel dropped while the request waited: try the next one at once.
            }
            catch (TimeoutException)
            {
                channel.Forget(requestId);
                return TimeoutReply;
            }
        }

        return NoChannelReply;
    }
}
