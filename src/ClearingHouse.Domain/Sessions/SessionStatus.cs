namespace ClearingHouse.Domain.Sessions;

/// <summary>OCPI <c>SessionStatus</c>. Values match the wire enum.</summary>
public enum SessionStatus
{
    /// <summary>In progress; energy may flow.</summary>
    Active = 1,

    /// <summary>Finished successfully.</summary>
    Completed = 2,

    /// <summary>Declared invalid; not billed.</summary>
    Invalid = 3,

    /// <summary>Not charging yet.</summary>
    Pending = 4,

    /// <summary>A reservation of an EVSE.</summary>
    Reservation = 5,
}
