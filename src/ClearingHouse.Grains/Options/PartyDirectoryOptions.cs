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

    /// <summary>
    /// How long a read whose copy is older than <see cref="RefreshInterval"/> waits for the registry's answer
    /// before it is answered from the last copy (default 200 ms). Normally the copy is refreshed in the background
    /// before it gets that old; this matters when the registry's silo has died and the registry has not yet
    /// re-activated on a survivor.
    /// </summary>
    public TimeSpan RefreshWait { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How old the last copy may get while the registry does not answer before reads fail with Unavailable
    /// (default 30 s: longer than a silo's death takes to be declared, short enough that a registry cut off
    /// for longer is not trusted).
    /// </summary>
    public TimeSpan MaxStaleness { get; set; } = TimeSpan.FromSeconds(30);
}
