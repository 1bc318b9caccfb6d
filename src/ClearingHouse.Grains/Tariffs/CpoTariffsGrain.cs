using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Operations;

namespace ClearingHouse.Grains.Tariffs;

/// <inheritdoc cref="ICpoTariffsGrain" />
/// <remarks>
/// The tariff ids are also written to the data-quality store's tariff index (the state itself is opaque to SQL), after
/// every change and on activation, so a CPO whose tariffs were stored before the index existed, or whose index write
/// failed, is indexed again the next time its grain runs.
/// </remarks>
public sealed class CpoTariffsGrain(
    [PersistentState("tariffs", StorageProviders.Durable)] IPersistentState<CpoTariffsState> state,
    IDataQualityStore quality) : Grain, ICpoTariffsGrain
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
        var created = !state.State.Tariffs.ContainsKey(tariff.Id);
        state.State.Tariffs[tariff.Id] = tariff;
        await CommitAsync();
        return new TariffPutResult(tariff, created);
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
