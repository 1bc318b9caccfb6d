namespace ClearingHouse.Grains.Errors;

/// <summary>What went wrong, in terms the gRPC edge maps one-to-one to a status code.</summary>
public enum HubErrorCode
{
    /// <summary>A field of the request is malformed or out of range (InvalidArgument).</summary>
    InvalidArgument = 1,

    /// <summary>The thing asked for does not exist (NotFound).</summary>
    NotFound = 2,

    /// <summary>The thing to create exists already (AlreadyExists).</summary>
    AlreadyExists = 3,

    /// <summary>The system is not in a state where the call can be applied (FailedPrecondition).</summary>
    FailedPrecondition = 4,

    /// <summary>The caller may not do this (PermissionDenied).</summary>
    PermissionDenied = 5,

    /// <summary>A dependency the call needs is away; nothing was applied and a retry may succeed (Unavailable).</summary>
    Unavailable = 6,

    /// <summary>A bound was hit: a rate, a queue, a size (ResourceExhausted). Retry later or send less.</summary>
    ResourceExhausted = 7,

    /// <summary>The call's time ran out before the hub could answer (DeadlineExceeded).</summary>
    DeadlineExceeded = 8,

    /// <summary>The call carries no valid credential (Unauthenticated).</summary>
    Unauthenticated = 9,

    /// <summary>The caller went away or the call was cancelled (Cancelled).</summary>
    Cancelled = 10,
}

/// <summary>
/// A refusal with a reason the caller can act on. Thrown by grains and edge code; the server's
/// exception interceptor turns it into the matching gRPC status, so no stack trace reaches a client.
/// </summary>
[GenerateSerializer]
public sealed class HubException : Exception
{
    /// <summary>Creates a refusal.</summary>
    public HubException(HubErrorCode code, string message, string? field = null)
        : base(message)
    {
        Code = code;
        Field = field;
    }

    /// <summary>What kind of refusal.</summary>
    [Id(0)]
    public HubErrorCode Code { get; }

    /// <summary>The request field at fault (proto field path), for InvalidArgument.</summary>
    [Id(1)]
    public string? Field { get; }

    /// <summary>Throws InvalidArgument for a field when <paramref name="error"/> is not null.</summary>
    public static void ThrowIfInvalid(string? error, string field)
    {
        if (error is not null)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field} {error}", field);
        }
    }
}
