namespace ClearingHouse.Ocpi.Transport;

/// <summary>The envelope of every OCPI response: the data (on success), the OCPI status and the hub's time.</summary>
/// <param name="Data">The answer's payload; null for a refusal.</param>
/// <param name="StatusCode">The OCPI status code (<see cref="OcpiStatus"/>).</param>
/// <param name="StatusMessage">A human-readable reason; set on refusals.</param>
/// <param name="Timestamp">When the hub answered (UTC).</param>
public sealed record OcpiResponse(object? Data, int StatusCode, string? StatusMessage, DateTimeOffset Timestamp);
