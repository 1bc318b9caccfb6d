using ClearingHouse.Domain.Parties;

namespace ClearingHouse.Grains.Commands;

/// <summary>OCPI <c>CommandType</c> (wire values).</summary>
public enum CommandKind
{
    /// <summary>CANCEL_RESERVATION.</summary>
    CancelReservation = 1,

    /// <summary>RESERVE_NOW.</summary>
    ReserveNow = 2,

    /// <summary>START_SESSION.</summary>
    StartSession = 3,

    /// <summary>STOP_SESSION.</summary>
    StopSession = 4,

    /// <summary>UNLOCK_CONNECTOR.</summary>
    UnlockConnector = 5,

    // Charging profiles ride the same flow (record, route, answer, result, relay); their values are the hub's own,
    // beyond OCPI's CommandType, and never sent on a gRPC command channel (the protos carry no charging profiles).

    /// <summary>Set a charging profile on a session (OCPI chargingprofiles PUT).</summary>
    SetChargingProfile = 101,

    /// <summary>Get a session's ActiveChargingProfile (OCPI chargingprofiles GET).</summary>
    GetActiveChargingProfile = 102,

    /// <summary>Clear a session's charging profile (OCPI chargingprofiles DELETE).</summary>
    ClearProfile = 103,
}

/// <summary>How a command reached the CPO (wire values of <c>CommandDelivery</c>).</summary>
public enum CommandDeliveryKind
{
    /// <summary>Not sent yet.</summary>
    Pending = 0,

    /// <summary>The CPO answered.</summary>
    Answered = 1,

    /// <summary>No answer within the wait.</summary>
    Timeout = 2,

    /// <summary>The CPO has no open channel.</summary>
    NoChannel = 3,
}

/// <summary>An optional text (OCPI <c>DisplayText</c>).</summary>
[GenerateSerializer, Immutable]
public sealed record CommandText([property: Id(0)] string Language, [property: Id(1)] string Text);

/// <summary>The hub's record of one command.</summary>
[GenerateSerializer, Immutable]
public sealed record CommandRecord
{
    /// <summary>The hub's command id (32 hex characters).</summary>
    [Id(0)] public required string Id { get; init; }

    /// <summary>The kind of command.</summary>
    [Id(1)] public required CommandKind Kind { get; init; }

    /// <summary>The CPO it goes to.</summary>
    [Id(2)] public required PartyKey Cpo { get; init; }

    /// <summary>The EMSP that sent it.</summary>
    [Id(3)] public required PartyKey Emsp { get; init; }

    /// <summary>Session id (STOP_SESSION) or reservation id (RESERVE_NOW, CANCEL_RESERVATION), or null.</summary>
    [Id(4)] public string? SubjectId { get; init; }

    /// <summary>When the hub received it.</summary>
    [Id(5)] public required DateTimeOffset RequestedAt { get; init; }

    /// <summary>How it reached the CPO.</summary>
    [Id(6)] public CommandDeliveryKind Delivery { get; init; }

    /// <summary>The CPO's response type (wire value of CommandResponseType), 0 when not answered.</summary>
    [Id(7)] public int Response { get; init; }

    /// <summary>The CPO's response text, or null.</summary>
    [Id(8)] public CommandText? ResponseMessage { get; init; }

    /// <summary>Until when the hub waits for the result of an accepted command.</summary>
    [Id(9)] public DateTimeOffset? ResultDeadline { get; init; }

    /// <summary>The result type (wire value of CommandResultType), 0 while unknown.</summary>
    [Id(10)] public int Result { get; init; }

    /// <summary>The result text, or null.</summary>
    [Id(11)] public CommandText? ResultMessage { get; init; }

    /// <summary>When the result arrived.</summary>
    [Id(12)] public DateTimeOffset? ResultAt { get; init; }

    /// <summary>The CPO's seconds-to-result announced in its response.</summary>
    [Id(13)] public int ResponseTimeoutSeconds { get; init; }

    /// <summary>What the result carries beyond its type, as JSON (the ActiveChargingProfile of a GetActiveChargingProfile), or null.</summary>
    [Id(14)] public string? ResultPayload { get; init; }
}

/// <summary>One command to route to a CPO's channel.</summary>
[GenerateSerializer, Immutable]
public sealed record CommandAsk
{
    /// <summary>The CPO.</summary>
    [Id(0)] public required PartyKey Cpo { get; init; }

    /// <summary>The command id.</summary>
    [Id(1)] public required string CommandId { get; init; }

    /// <summary>How long the asker waits, from when the ask is received.</summary>
    [Id(3)] public required TimeSpan Timeout { get; init; }

    /// <summary>The kind of command.</summary>
    [Id(4)] public required CommandKind Kind { get; init; }

    /// <summary>The EMSP that sent it.</summary>
    [Id(5)] public required PartyKey Emsp { get; init; }

    /// <summary>The command's fields (those of <see cref="Kind"/>).</summary>
    [Id(6)] public required CommandBody Body { get; init; }
}

/// <summary>
/// The fields of a command as OCPI defines them (StartSession, StopSession, ReserveNow, CancelReservation,
/// UnlockConnector): each kind sets its own, the others stay null. Validated by the core before it is sent.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CommandBody
{
    /// <summary>The token to charge or reserve with (START_SESSION, RESERVE_NOW).</summary>
    [Id(0)] public Tokens.TokenRecord? Token { get; init; }

    /// <summary>The location (START_SESSION, RESERVE_NOW, UNLOCK_CONNECTOR).</summary>
    [Id(1)] public string? LocationId { get; init; }

    /// <summary>The EVSE (optional for START_SESSION and RESERVE_NOW, required for UNLOCK_CONNECTOR).</summary>
    [Id(2)] public string? EvseUid { get; init; }

    /// <summary>The connector (optional for START_SESSION, required for UNLOCK_CONNECTOR).</summary>
    [Id(3)] public string? ConnectorId { get; init; }

    /// <summary>The authorization reference the EMSP chose (START_SESSION, RESERVE_NOW), or null.</summary>
    [Id(4)] public string? AuthorizationReference { get; init; }

    /// <summary>The session to stop (STOP_SESSION).</summary>
    [Id(5)] public string? SessionId { get; init; }

    /// <summary>The reservation (RESERVE_NOW, CANCEL_RESERVATION).</summary>
    [Id(6)] public string? ReservationId { get; init; }

    /// <summary>Until when the reservation holds (RESERVE_NOW).</summary>
    [Id(7)] public DateTimeOffset? ExpiryDate { get; init; }

    /// <summary>The charging profile to set, as JSON the edge validated (SetChargingProfile).</summary>
    [Id(8)] public string? ChargingProfile { get; init; }

    /// <summary>The length in seconds of the ActiveChargingProfile asked for (GetActiveChargingProfile).</summary>
    [Id(9)] public int? Duration { get; init; }
}

/// <summary>The CPO's immediate answer, or why there is none.</summary>
[GenerateSerializer, Immutable]
public sealed record CommandReply
{
    /// <summary>No open channel.</summary>
    public static CommandReply NoChannel { get; } = new() { Delivery = CommandDeliveryKind.NoChannel };

    /// <summary>No answer in time.</summary>
    public static CommandReply Timeout { get; } = new() { Delivery = CommandDeliveryKind.Timeout };

    /// <summary>Answered, timed out, or no channel.</summary>
    [Id(0)] public required CommandDeliveryKind Delivery { get; init; }

    /// <summary>CommandResponseType wire value when answered.</summary>
    [Id(1)] public int Response { get; init; }

    /// <summary>Seconds to the result (0: the hub's default).</summary>
    [Id(2)] public int TimeoutSeconds { get; init; }

    /// <summary>The CPO's text, or null.</summary>
    [Id(3)] public CommandText? Message { get; init; }
}
