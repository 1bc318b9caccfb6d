using System.Diagnostics;
using ClearingHouse.Grains.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace ClearingHouse.Grains.Commands;

/// <inheritdoc cref="ICommandChannelGrain" />
/// <remarks>Reentrant, as the EMSP channel registry: many sends wait on remote channels at once.</remarks>
[Reentrant]
public sealed partial class CommandChannelGrain(IOptions<CommandsOptions> options, ILogger<CommandChannelGrain> logger) : Grain, ICommandChannelGrain
{
    private readonly Dictionary<string, Registration> _silos = [];
    private int _next;

    /// <inheritdoc />
    public Task Register(string silo, ICommandChannelObserver observer)
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
    public async Task<CommandReply> Send(CommandAsk ask, string exceptSilo)
    {
        ArgumentNullException.ThrowIfNull(ask);
        var started = Stopwatch.GetTimestamp();
        var expiry = options.Value.ChannelRegistrationPeriod * 3;
        var candidates = _silos
            .Where(s => s.Key != exceptSilo && Stopwatch.GetElapsedTime(s.Value.RefreshedAt) < expiry)
            .ToArray();
        if (candidates.Length == 0)
        {
            return CommandReply.NoChannel;
        }

        var first = (int)((uint)Interlocked.Increment(ref _next) % (uint)candidates.Length);
        for (var i = 0; i < candidates.Length; i++)
        {
            var (silo, registration) = candidates[(first + i) % candidates.Length];
            var remaining = ask.Timeout - Stopwatch.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                return CommandReply.Timeout;
            }

            try
            {
                var reply = await registration.Observer.Send(ask with { Timeout = remaining }).WaitAsync(remaining);
                if (reply.Delivery != CommandDeliveryKind.NoChannel)
                {
                    return reply;
                }
            }
            catch (TimeoutException)
            {
                return CommandReply.Timeout;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSiloDropped(logger, this.GetPrimaryKeyString(), silo, ex.GetType().Name);
                if (_silos.TryGetValue(silo, out var current) && ReferenceEquals(current, registration))
                {
                    _silos.Remove(silo);
                }
            }
        }

        return CommandReply.NoChannel;
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "CPO {Cpo}: command channels on silo {Silo} unreachable ({ExceptionType}); removed")]
    private static partial void LogSiloDropped(ILogger logger, string cpo, string silo, string exceptionType);

    private sealed record Registration(ICommandChannelObserver Observer, long RefreshedAt);
}
