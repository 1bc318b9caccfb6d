namespace ClearingHouse.Grains.Options;

/// <summary>Remote commands, bound from section <c>Commands</c>.</summary>
public sealed class CommandsOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Commands";

    /// <summary>How long the hub waits for the CPO's immediate answer (cut to the EMSP's own call deadline).</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the hub waits for the result of an accepted command when the CPO announced no timeout.</summary>
    public TimeSpan DefaultResultTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The longest result wait a CPO may announce.</summary>
    public TimeSpan MaxResultTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Commands waiting to be written to one channel; a full channel is skipped.</summary>
    public int ChannelQueueCapacity { get; set; } = 256;

    /// <summary>Messages for unknown commands a channel may send per second before it is cut off.</summary>
    public int MaxUnknownMessagesPerSecond { get; set; } = 200;

    /// <summary>How often a silo re-registers its command channels with each CPO's registry grain.</summary>
    public TimeSpan ChannelRegistrationPeriod { get; set; } = TimeSpan.FromSeconds(10);
}
