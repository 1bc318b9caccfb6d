using System.Diagnostics;

namespace ClearingHouse.Grains.Channels;

/// <summary>
/// The per-party registry of which silos hold a party's open channels (EMSP authorization channels,
/// CPO command channels): a <see cref="SiloRegistryGrain{TObserver}"/> that forwards a request the calling
/// silo cannot serve locally to another silo's observer, round-robin, within the request's timeout. A silo
/// whose observer fails is removed and the next one is tried.
/// </summary>
/// <remarks>Subclasses are reentrant: forwarded requests wait on remote channels, many at once.</remarks>
public abstract class PartyChannelRegistryGrain<TObserver, TAsk, TReply> : SiloRegistryGrain<TObserver>
    where TObserver : class, IGrainObserver
{
    private int _next;

    /// <summary>How often silos refresh their registration.</summary>
    protected abstract TimeSpan RegistrationPeriod { get; }

    /// <inheritdoc />
    protected override TimeSpan Expiry => RegistrationPeriod * 3;

    /// <summary>The reply when no silo holds a usable channel.</summary>
    protected abstract TReply NoChannelReply { get; }

    /// <summary>The reply when the request's time ran out.</summary>
    protected abstract TReply TimeoutReply { get; }

    /// <summary>Sends <paramref name="ask"/> to one silo's observer, round-robin, skipping <paramref name="exceptSilo"/>.</summary>
    protected async Task<TReply> ForwardAsync(TAsk ask, TimeSpan timeout, SiloAddress exceptSilo)
    {
        var started = Stopwatch.GetTimestamp();
        var candidates = Live().Where(s => !s.Key.Equals(exceptSilo)).ToArray();
        if (candidates.Length == 0)
        {
            return NoChannelReply;
        }

        var first = (int)((uint)Interlocked.Increment(ref _next) % (uint)candidates.Length);
        for (var i = 0; i < candidates.Length; i++)
        {
            var (silo, observer) = candidates[(first + i) % candidates.Length];
            var remaining = timeout - Stopwatch.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                return TimeoutReply;
            }

            try
            {
                var reply = await CallObserver(observer, ask, remaining).WaitAsync(remaining);
                if (!IsNoChannel(reply))
                {
                    return reply;
                }
            }
            catch (TimeoutException)
            {
                return TimeoutReply;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The silo is gone or its observer with it: forget it and try the next one.
                Drop(silo, ex.GetType().Name);
            }
        }

        return NoChannelReply;
    }

    /// <summary>Calls the observer with the request, its timeout cut to <paramref name="remaining"/>.</summary>
    protected abstract Task<TReply> CallObserver(TObserver observer, TAsk ask, TimeSpan remaining);

    /// <summary>Whether the silo answered that it had no channel after all (then the next is tried).</summary>
    protected abstract bool IsNoChannel(TReply reply);
}
