using ClearingHouse.Domain.Parties;

namespace ClearingHouse.Grains.Commands;

/// <inheritdoc cref="IReservationGrain" />
public sealed class ReservationGrain(
    [PersistentState("reservation", StorageProviders.Durable)] IPersistentState<ReservationState> state) : Grain, IReservationGrain
{
    /// <inheritdoc />
    public async Task SetOwner(PartyKey emsp)
    {
        if (state.State.Owner == emsp)
        {
            return;
        }

        var previous = state.State.Owner;
        state.State.Owner = emsp;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State.Owner = previous;
            throw;
        }
    }

    /// <inheritdoc />
    public Task<PartyKey?> GetOwner() => Task.FromResult(state.State.Owner);
}
