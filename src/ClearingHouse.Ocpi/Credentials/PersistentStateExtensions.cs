namespace ClearingHouse.Ocpi.Credentials;

/// <summary>The one write rule of the OCPI edge's grains.</summary>
internal static class PersistentStateExtensions
{
    /// <summary>
    /// Writes the state; when the write fails, reloads the stored state before the caller sees the error, so nothing
    /// is half-applied in memory.
    /// </summary>
    public static async Task CommitOrReloadAsync<T>(this IPersistentState<T> state)
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            await state.ReadStateAsync();
            throw;
        }
    }
}
