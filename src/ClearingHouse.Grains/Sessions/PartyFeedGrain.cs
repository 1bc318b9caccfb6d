using System.Diagnostics;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Commands;
using ClearingHouse.Grains.Options;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace ClearingHouse.Grains.Sessions;

/// <inheritdoc cref="IPartyFeedGrain" />
[Reentrant]
public sealed class PartyFeedGrain(IOptions<SessionsOptions> options) : Grain, IPartyFeedGrain
{
    private readonly Dictionary<string, (IPartyFeedObserver Observer, long RefreshedAt)> _silos = [];
    private PartyKey? _party;

    /// <inheritdoc />
    public Task Register(string silo, IPartyFeedObserver observer)
    {
        _silos[silo] = (observer, Stopwatch.GetTimestamp());
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task Unregister(string silo)
    {
        _silos.Remove(silo);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task SessionsChanged(long sequence)
    {
        var party = Party;
        foreach (var observer in Live())
        {
            observer.SessionsChanged(party, sequence).Ignore();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task CommandResult(CommandRecord command)
    {
        foreach (var observer in Live())
        {
            observer.CommandResult(command).Ignore();
        }

        return Task.CompletedTask;
    }

    private PartyKey Party => _party ??= PartyKey.TryParse(this.GetPrimaryKeyString(), out var key) ? key.Value : throw new InvalidOperationException("bad party feed key");

    private List<IPartyFeedObserver> Live()
    {
        // A silo that stopped refreshing (it died without unregistering) is forgotten after 3 periods.
        var expiry = options.Value.FeedRegistrationPeriod * 3;
        var live = new List<IPartyFeedObserver>(_silos.Count);
        foreach (var (silo, registration) in _silos.ToArray())
        {
            if (Stopwatch.GetElapsedTime(registration.RefreshedAt) < expiry)
            {
                live.Add(registration.Observer);
            }
            else
            {
                _silos.Remove(silo);
            }
        }

        return live;
    }
}
