namespace ClearingHouse.Domain.Locations;

/// <summary>OCPI 2.2.1 <c>Status</c> of an EVSE. The numbers equal the wire enum's (never renumbered).</summary>
public enum EvseStatus : byte
{
    /// <summary>Not set; never valid in an update.</summary>
    Unspecified = 0,

    /// <summary>Able to start a new charging session.</summary>
    Available = 1,

    /// <summary>Not accessible because of a physical barrier, i.e. a car.</summary>
    Blocked = 2,

    /// <summary>In use.</summary>
    Charging = 3,

    /// <summary>Not yet active or no longer available.</summary>
    Inoperative = 4,

    /// <summary>Out of order.</summary>
    OutOfOrder = 5,

    /// <summary>Planned, will be operating soon.</summary>
    Planned = 6,

    /// <summary>Discontinued/removed.</summary>
    Removed = 7,

    /// <summary>Reserved for a particular driver.</summary>
    Reserved = 8,

    /// <summary>No status information available.</summary>
    Unknown = 9,
}
