using ClearingHouse.Grains;
using Microsoft.AspNetCore.Http;

namespace ClearingHouse.Ocpi.Transport;

/// <summary>Successful OCPI answers: the envelope with status 1000.</summary>
public sealed class OcpiResults(HubClock clock)
{
    /// <summary>200 (or <paramref name="httpStatus"/>) with <paramref name="data"/> in the envelope.</summary>
    public IResult Ok(object? data, int httpStatus = StatusCodes.Status200OK) =>
        Results.Json(new OcpiResponse(data, OcpiStatus.Success, null, clock.UtcNow), OcpiJson.Options, "application/json", httpStatus);
}
