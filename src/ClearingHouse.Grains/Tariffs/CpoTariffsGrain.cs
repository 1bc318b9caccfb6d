using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Operations;
using ClearingHouse.Grains.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ClearingHouse.Grains.Tariffs;

/// <inheritdoc cref="ICpoTariffsGrain" />
/// <remarks>
/// The tariff ids are also written to the data-quality store's tariff index (the state itself is opaque to SQL), after
/// every change and on activation, so a CPO whose tariffs were stored before the index existed, or whose index write
/// failed, is indexed again the next time its grain runs.
/// </remarks>
/// <remarks>
/// Every put also records the version in the tariff history (<see cref="ITariffHistoryStore"/>), before the set is
/// written, with the version it replaces (a tariff stored before the history existed gets its version recorded then);
/// a version whose <c>last_updated</c> is older than the stored one is refused as stale. Versions that stopped being in
/// force longer than <see cref="TariffHistoryOptions.HistoryRetention"/> ago are removed on the next put of that tariff.
/// </remarks>
public sealed partial class CpoTariffsGrain(
    [PersistentState("tariffs", StorageProviders.Durable)] IPersistentState<CpoTariffsState> state,
    IDataQualityStore quality,
    ITariffHistoryStore history,
    HubClock clock,
    IOptions<TariffHistoryOptions> historyOptions,
    ILogger<CpoTariffsGrain> logger) : Grain, ICpoTariffsGrain
{
    private TariffSet? _set;

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.RecordExists)
        {
            await IndexAsync(cancellationToken);
        }
    }

    /// <inheritdoc />
    public async Task<TariffPutResult> Put(TariffRecord tariff)
    {
        ArgumentNullException.ThrowIfNull(tariff);
        var previous = state.State.Tariffs.GetValueOrDefault(tariff.Id);
        if (previous is not null && tariff.LastUpdated < previous.LastUpdated)
        {
            throw new HubException(
                HubErrorCode.InvalidArgument,
                $"last_updated {tariff.LastUpdated.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} is older than the stored version's ({previous.LastUpdated.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}): a stale version of tariff '{tariff.Id}' is refused",
                "last_updated");
        }

        var cpo = Cpo();
        if (previous is not null && previous.LastUpdated != tariff.LastUpdated)
        {
            await history.RecordAsync(cpo, previous);
        }

        await history.RecordAsync(cpo, tariff);
        state.State.Tariffs[tariff.Id] = tariff;
        await CommitAsync();
        if (previous is not null)
        {
            await PruneAsync(cpo, tariff.Id);
        }

        return new TariffPutResult(tariff, previous is null);
    }

    /// <inheritdoc />
    public async Task<bool> Delete(string tariffId)
    {
        if (!state.State.Tariffs.Remove(tariffId))
        {
            return false;
        }

        await CommitAsync();
        return true;
    }

    /// <inheritdoc />
    public Task<TariffRecord?> Get(string tariffId) => Task.FromResult(state.State.Tariffs.GetValueOrDefault(tariffId));

    /// <inheritdoc />
    public Task<TariffSet?> GetSet(long knownVersion)
    {
        if (knownVersion == state.State.Version && knownVersion != 0)
        {
            return Task.FromResult<TariffSet?>(null);
        }

        _set ??= new TariffSet
        {
            Version = state.State.Version,
            Tariffs = state.State.Tariffs.Values.OrderBy(t => t.Id, StringComparer.Ordinal).ToArray(),
        };
        return Task.FromResult<TariffSet?>(_set);
    }

    private PartyKey Cpo() => PartyKey.TryParse(this.GetPrimaryKeyString(), out var cpo)
        ? cpo.Value
        : throw new HubException(HubErrorCode.InvalidArgument, "malformed CPO key", "cpo");

    // Retention is housekeeping: a failure leaves old versions for the next put, never fails this one.
    private async Task PruneAsync(PartyKey cpo, string tariffId)
    {
        try
        {
            await history.PruneAsync(cpo, tariffId, clock.UtcNow - historyOptions.Value.HistoryRetention);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogPruneFailed(logger, ex, cpo.ToString(), tariffId);
        }
    }

    [LoggerMessage(EventId = 6110, Level = LogLevel.Warning, Message = "Old versions of tariff {TariffId} of {Cpo} were not pruned; the next put tries again")]
    private static partial void LogPruneFailed(ILogger logger, Exception exception, string cpo, string tariffId);

    // Writes the whole state; on failure reloads it so the activation never serves an unwritten change.
    private async Task CommitAsync()
    {
        state.State.Version++;
        _set = null;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            _set = null;
            await state.ReadStateAsync();
            throw;
        }

        await IndexAsync(CancellationToken.None);
    }

    private async Task IndexAsync(CancellationToken cancellationToken)
    {
        if (PartyKey.TryParse(this.GetPrimaryKeyString(), out var cpo))
        {
            await quality.RecordTariffsAsync(cpo.Value, [.. state.State.Tariffs.Keys], cancellationToken);
        }
    }
}
