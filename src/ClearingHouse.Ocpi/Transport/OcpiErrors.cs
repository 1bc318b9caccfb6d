using ClearingHouse.Application.Errors;
using ClearingHouse.Grains.Errors;

namespace ClearingHouse.Ocpi.Transport;

/// <summary>
/// The one place where exceptions become OCPI answers (HTTP status + OCPI status code + message), as the gRPC edge's
/// interceptor maps the same exceptions to gRPC statuses: a refusal of the core answers the same over both edges.
/// </summary>
public static class OcpiErrors
{
    /// <summary>
    /// The HTTP status, OCPI status code and message for <paramref name="exception"/>; null for a defect (the caller
    /// logs it and answers 500 / 3000 without details). <paramref name="unknownObjectCode"/> is the OCPI code for
    /// NotFound on this route (2003 for locations, 2004 for tokens).
    /// </summary>
    public static (int Http, int Code, string Message)? Map(Exception exception, int unknownObjectCode = OcpiStatus.UnknownLocation)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            OcpiException ocpi => (ocpi.HttpStatus, ocpi.StatusCode, ocpi.Message),
            HubException hub => hub.Code switch
            {
                HubErrorCode.InvalidArgument => (400, OcpiStatus.InvalidParameters, hub.Message),
                HubErrorCode.NotFound => (404, unknownObjectCode, hub.Message),
                HubErrorCode.AlreadyExists => (409, OcpiStatus.ClientError, hub.Message),
                HubErrorCode.FailedPrecondition => (409, OcpiStatus.ClientError, hub.Message),
                HubErrorCode.PermissionDenied => (403, OcpiStatus.ClientError, hub.Message),
                HubErrorCode.Unauthenticated => (401, OcpiStatus.ClientError, hub.Message),
                HubErrorCode.ResourceExhausted => (429, OcpiStatus.ClientError, hub.Message),
                HubErrorCode.Unavailable => (503, OcpiStatus.ServerError, hub.Message),
                HubErrorCode.DeadlineExceeded => (504, OcpiStatus.ServerError, hub.Message),
                HubErrorCode.Cancelled => (499, OcpiStatus.ClientError, hub.Message),
                _ => null,
            },
            Microsoft.AspNetCore.Http.BadHttpRequestException bad when bad.StatusCode == 413 =>
                (413, OcpiStatus.ClientError, "the request body is larger than the hub accepts (Ocpi:MaxRequestBodyBytes)"),
            Microsoft.AspNetCore.Http.BadHttpRequestException bad => (bad.StatusCode, OcpiStatus.ClientError, "bad request"),
            _ when Outages.Describe(exception) is { } what => (503, OcpiStatus.ServerError, $"{what} is unavailable; retry later"),
            _ => null,
        };
    }
}
