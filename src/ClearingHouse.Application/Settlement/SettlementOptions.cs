namespace ClearingHouse.Application.Settlement;

/// <summary>Settlement settings, section <c>Settlement</c>.</summary>
public sealed record SettlementOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Settlement";

    /// <summary>The longest statement period in days (default 92: a quarter).</summary>
    public int MaxPeriodDays { get; init; } = 92;
}
