using System.Diagnostics;

namespace ClearingHouse.Grains.Channels;

/// <summary>
/// The per-party registry of which silos hold a party's open channels (EMSP authorization channels,
/// CPO command channels), shared by both: a silo registers an observer and refreshes it; a request
/// that the calling silo cannot serve locally is forwarded round-robin to another silo's observer,
/// within the request's timeout. A silo that stopped refreshing is forgotten after three periods; one
/// whose observer fails is removed and the next is tried.
/// </summary>
/// <remarks>Subclasses are reentrant: forwarded requests wait on remote channels, many at once.
/// State changes happen between awaits, so interleaving is safe.</remarks>
public abstract class PartyChannelRegistryGrain<TObserver, TAsk, TReply> : Grain
    where TObserver : class
{
    private readonly Dictionary<string, Registration> _silos = [];
    private int _next;

    /// <summary>How often silos refresh their registration.</summary>
    protected abstract TimeSpan RegistrationPeriod { get; }

    /// <summary>The reply when no silo holds a usable channel.</summary>
    protected abstract TReply NoChannelReply { get; }

    /// <summary>The reply when the request's time ran out.</summary>
    protected abstract TReply TimeoutReply { get; }

    /// <summary>Records a silo's observer (again, as a refresh).</summary>
    protected Task RegisterSilo(string silo, TObserver observer)
    {
        _silos[silo] = new Registration(observer, Stopwatch.GetTimestamp());
        return Task.CompletedTask;
    }

    /// <summary>Forgets a silo.</summary>
    protected Task UnregisterSilo(string silo)
    {
        _silos.Remove(silo);
        return Task.CompletedTask;
    }

    /// <summary>Sends <paramref name="ask"/> to one silo's observer, round-robin, skipping <paramref name="exceptSilo"/>.</summary>
    protected async Task<TReply> ForwardAsync(TAsk ask, TimeSpan timeout, string exceptSilo)
    {
        var started = Stopwatch.GetTimestamp();
        var expiry = RegistrationPeriod * 3;
        var candidates = _silos
            .Where(s => s.Key != exceptSilo && Stopwatch.GetElapsedTime(s.Value.RefreshedAt) < expiry)
            .ToArray();
        if (candidates.Length == 0)
        {
            return NoChannelReply;
        }

        var first = (int)((uint)Interlocked.Increment(ref _next) % (uint)candidates.Length);
        for (var i = 0; i < candidates.Length; i++)
        {
            var (silo, registration) = candidates[(first + i) % candidates.Length];
            var remaining = timeout - Stopwatch.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                return TimeoutReply;
            }

            try
            {
                var reply = await CallObserver(registration.Observer, ask, remaining).WaitAsync(remaining);
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
                OnSiloDropped(silo, ex.GetType().Name);
                if (_silos.TryGetValue(silo, out var current) && ReferenceEquals(current, registration))
                {
                    _silos.Remove(silo);
                }
            }
        }

        return NoChannelReply;
    }

    /// <summary>Calls the observer with the request, its timeout cut to <paramref name="remaining"/>.</summary>
    protected abstract Task<TReply> CallObserver(TObserver observer, TAsk ask, TimeSpan remaining);

    /// <summary>Whether the silo answered that it had no channel after all (then the next is tried).</summary>
    protected abstract bool IsNoChannel(TReply reply);

    /// <summary>Logs a silo removed because its observer failed.</summary>
    protected abstract void OnSiloDropped(string silo, string exceptionType);

    private sealed record Registration(TObserver Observer, long RefreshedAt);
}
