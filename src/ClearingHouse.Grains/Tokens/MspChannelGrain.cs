using System.Diagnostics;
using Orleans.Concurrency;
using ClearingHouse.Grains.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Grains.Tokens;

/// <inheritdoc cref="IMspChannelGrain" />
/// <remarks>
/// Reentrant: an ask waits on a remote silo's channel for up to the EMSP's deadline, and many asks
/// must wait at once. State changes happen between awaits, so interleaving is safe.
/// </remarks>
[Reentrant]
public sealed partial class MspChannelGrain(IOptions<TokensOptions> options, ILogger<MspChannelGrain> logger) : Grain, IMspChannelGrain
{
    private readonly Dictionary<string, Registration> _silos = [];
    private int _next;

    /// <inheritdoc />
    public Task Register(string silo, IMspChannelObserver observer)
    {
        _silos[silo] = new Registration(observer, Stopwatch.GetTimestamp());
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task Unregister(string silo)
    {
        _silos.Remove(silo);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<MspReply> Ask(MspAsk ask, string exceptSilo)
    {
        ArgumentNullException.ThrowIfNull(ask);
        var started = Stopwatch.GetTimestamp();
        // A silo that stopped refreshing (it died without unregistering) is forgotten after 3 periods.
        var expiry = options.Value.ChannelRegistrationPeriod * 3;
        var candidates = _silos
            .Where(s => s.Key != exceptSilo && Stopwatch.GetElapsedTime(s.Value.RefreshedAt) < expiry)
            .ToArray();
        if (candidates.Length == 0)
        {
            return MspReply.NoChannel;
        }

        var first = (int)((uint)Interlocked.Increment(ref _next) % (uint)candidates.Length);
        for (var i = 0; i < candidates.Length; i++)
        {
            var (silo, registration) = candidates[(first + i) % candidates.Length];
            var remaining = ask.Timeout - Stopwatch.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                return MspReply.Timeout;
            }

            try
            {
                var reply = await registration.Observer.Ask(ask with { Timeout = remaining }).WaitAsync(remaining);
                if (reply.Kind != Domain.Tokens.MspOutcomeKind.NoChannel)
                {
                    return reply;
                }
            }
            catch (TimeoutException)
            {
                return MspReply.Timeout;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The silo is gone or its observer with it: forget it and try the next one.
                LogSiloDropped(logger, this.GetPrimaryKeyString(), silo, ex.GetType().Name);
                if (_silos.TryGetValue(silo, out var current) && ReferenceEquals(current, registration))
                {
                    _silos.Remove(silo);
                }
            }
        }

        return MspReply.NoChannel;
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "EMSP {Emsp}: channels on silo {Silo} unreachable ({ExceptionType}); removed")]
    private static partial void LogSiloDropped(ILogger logger, string emsp, string silo, string exceptionType);

    private sealed record Registration(IMspChannelObserver Observer, long RefreshedAt);
}
