namespace ClearingHouse.Grains;

/// <summary>
/// The clock of the hub's own logic (agreement dates, credential expiry). A separate holder, not the
/// container's <see cref="TimeProvider"/>, because Orleans takes that one too: tests move this
/// clock with a fake without also freezing the runtime's timers.
/// </summary>
public sealed class HubClock(TimeProvider time)
{
    /// <summary>The system clock.</summary>
    public static HubClock System { get; } = new(TimeProvider.System);

    /// <summary>The underlying time provider.</summary>
    public TimeProvider Time { get; } = time;

    /// <summary>Now, in UTC.</summary>
    public DateTimeOffset UtcNow => Time.GetUtcNow();
}
