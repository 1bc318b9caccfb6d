namespace ClearingHouse.Domain.Locations;

/// <summary>One EVSE status change sent by a CPO: OCPI's PATCH of an EVSE's <c>status</c>.</summary>
/// <param name="LocationId">The location's id within the CPO's platform.</param>
/// <param name="EvseUid">The EVSE's uid within the CPO's platform.</param>
/// <param name="Status">The new status.</param>
/// <param name="LastUpdatedTicks">When the status changed at the CPO, in UTC ticks (compact and cheap to compare).</param>
public readonly record struct StatusUpdate(string LocationId, string EvseUid, EvseStatus Status, long LastUpdatedTicks)
{
    /// <summary>When the status changed at the CPO.</summary>
    public DateTimeOffset LastUpdated => new(LastUpdatedTicks, TimeSpan.Zero);
}

/// <summary>What happened to one update.</summary>
public enum StatusOutcome : byte
{
    /// <summary>Newer than what was held: applied.</summary>
    Accepted = 0,

    /// <summary>Older than or as old as what was held: ignored, counted.</summary>
    Stale = 1,

    /// <summary>The location holds no EVSE with this uid.</summary>
    UnknownEvse = 2,

    /// <summary>The location is not known.</summary>
    UnknownLocation = 3,

    /// <summary>A field is malformed.</summary>
    Invalid = 4,
}
