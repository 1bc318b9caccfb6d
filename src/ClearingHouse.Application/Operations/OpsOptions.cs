namespace ClearingHouse.Application.Operations;

/// <summary>The operator's tools, section <c>Ops</c>.</summary>
public sealed record OpsOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Ops";

    /// <summary>An EVSE with no status change for longer than this is an EVSE_STATUS_STALE finding (default 24 h).</summary>
    public TimeSpan StaleStatusAfter { get; init; } = TimeSpan.FromHours(24);
}
