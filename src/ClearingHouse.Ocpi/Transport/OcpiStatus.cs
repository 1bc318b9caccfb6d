namespace ClearingHouse.Ocpi.Transport;

/// <summary>The OCPI 2.2.1 status codes the hub answers with (the <c>status_code</c> of every response).</summary>
public static class OcpiStatus
{
    /// <summary>Success.</summary>
    public const int Success = 1000;

    /// <summary>A client error with no more specific code.</summary>
    public const int ClientError = 2000;

    /// <summary>Invalid or missing parameters: a field is missing, malformed, too long or out of range.</summary>
    public const int InvalidParameters = 2001;

    /// <summary>Not enough information (an authorization request without the location it needs).</summary>
    public const int NotEnoughInformation = 2002;

    /// <summary>Unknown location (the hub uses it for every unknown object but tokens).</summary>
    public const int UnknownLocation = 2003;

    /// <summary>Unknown token.</summary>
    public const int UnknownToken = 2004;

    /// <summary>A server error with no more specific code.</summary>
    public const int ServerError = 3000;

    /// <summary>The hub could not use the client's API (its versions or details during registration).</summary>
    public const int UnableToUseClientApi = 3001;

    /// <summary>No mutual version.</summary>
    public const int UnsupportedVersion = 3002;

    /// <summary>No matching endpoints, or endpoints the hub needs are missing.</summary>
    public const int NoMatchingEndpoints = 3003;

    /// <summary>The receiver named in the <c>OCPI-to-*</c> headers is unknown to the hub.</summary>
    public const int UnknownReceiver = 4001;
}

/// <summary>
/// A refusal decided by the OCPI edge itself (transport rules: the token kind, the 405 rules of the credentials
/// module, a partner's API that cannot be used), with its HTTP and OCPI codes. Refusals of the core stay
/// <see cref="ClearingHouse.Grains.Errors.HubException"/>s and are mapped by <see cref="OcpiErrors"/>.
/// </summary>
public sealed class OcpiException(int httpStatus, int statusCode, string message) : Exception(message)
{
    /// <summary>The HTTP status code.</summary>
    public int HttpStatus { get; } = httpStatus;

    /// <summary>The OCPI status code.</summary>
    public int StatusCode { get; } = statusCode;
}
