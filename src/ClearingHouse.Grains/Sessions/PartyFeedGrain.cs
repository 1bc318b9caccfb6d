using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Channels;
using ClearingHouse.Grains.Commands;
using ClearingHouse.Grains.Options;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace ClearingHouse.Grains.Sessions;

/// <inheritdoc cref="IPartyFeedGrain" />
[Reentrant]
public sealed class PartyFeedGrain(IOptions<SessionsOptions> options) : SiloRegistryGrain<IPartyFeedObserver>, IPartyFeedGrain
{
    private PartyKey? _party;

    /// <inheritdoc />
    protected override TimeSpan Expiry => options.Value.FeedRegistrationPeriod * 3;

    /// <inheritdoc />
    public Task SessionsChanged(long sequence)
    {
        var party = Party;
        Notify(observer => observer.SessionsChanged(party, sequence).Ignore());
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task CommandResult(CommandRecord command)
    {
        Notify(observer => observer.CommandResult(command).Ignore());
        return Task.CompletedTask;
    }

    private PartyKey Party => _party ??= PartyKey.TryParse(this.GetPrimaryKeyString(), out var key) ? key.Value : throw new InvalidOperationException("bad party feed key");
}
