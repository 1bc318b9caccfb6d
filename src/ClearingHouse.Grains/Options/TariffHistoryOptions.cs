namespace ClearingHouse.Grains.Options;

/// <summary>How long the hub keeps the versions a tariff put replaced (configuration section <c>Tariffs</c>).</summary>
public sealed class TariffHistoryOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Tariffs";

    /// <summary>
    /// How long after a session a partner may still dispute its CDR's price (default 90 days). The history must cover
    /// it: a late or disputed CDR is priced again with the version in force when its session started.
    /// </summary>
    public TimeSpan DisputeWindow { get; set; } = TimeSpan.FromDays(90);

    /// <summary>
    /// How long a replaced version is kept after it stopped being in force (default 400 days; at least
    /// <see cref="DisputeWindow"/>). The current version, and the one in force at the start of the retention, are
    /// always kept. Older versions are removed when the tariff is put again.
    /// </summary>
    public TimeSpan HistoryRetention { get; set; } = TimeSpan.FromDays(400);
}
