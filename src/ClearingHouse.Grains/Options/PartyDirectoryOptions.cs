namespace ClearingHouse.Grains.Options;

/// <summary>The silo-local cache of parties and agreements (configuration section <c>Directory</c>).</summary>
public sealed class PartyDirectoryOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Directory";

    /// <summary>
    /// How old the cached copy may be before a read asks the registry again (default 1 s). A change
    /// made through another silo (a suspension, an ended agreement) applies here within this time;
    /// a change made through this silo applies at once.
    /// </summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(1);
}
