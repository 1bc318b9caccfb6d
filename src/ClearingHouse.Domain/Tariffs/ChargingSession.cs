using System.Text.Json;

namespace ClearingHouse.Domain.Tariffs;

/// <summary>
/// What pricing needs of an OCPI Session or CDR object: its start, end and charging periods. Reading a
/// CDR or a Session JSON object as this ignores every other field, so either can be priced.
/// </summary>
public sealed record ChargingSession
{
    /// <summary>Session start, UTC (<c>start_date_time</c>).</summary>
    public required DateTimeOffset StartDateTime { get; init; }

    /// <summary>Session end, UTC (<c>end_date_time</c>); required to price.</summary>
    public required DateTimeOffset EndDateTime { get; init; }

    /// <summary>The charging periods (<c>charging_periods</c>).</summary>
    public required IReadOnlyList<ChargingPeriod> ChargingPeriods { get; init; }

    /// <summary>Reads the session part of an OCPI Session or CDR JSON object.</summary>
    /// <exception cref="JsonException">The JSON lacks start/end or periods, or is malformed.</exception>
    public static ChargingSession Read(string json) =>
        JsonSerializer.Deserialize<ChargingSession>(json, OcpiJson.Options) ?? throw new JsonException("The session JSON is null.");
}
