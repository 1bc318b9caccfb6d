using System.Text;
using ClearingHouse.Application.Access;
using ClearingHouse.Application.Errors;
using ClearingHouse.Application.Operations;
using ClearingHouse.Grains;
using ClearingHouse.Grains.Errors;
using Grpc.Core;

namespace ClearingHouse.Server.Identity;

/// <summary>
/// Authenticates every gRPC call except health checks and reflection before grpc-dotnet reads the request, so
/// a call without a valid credential is answered Unauthenticated (or PermissionDenied for a suspended party)
/// whatever its body, and nothing of an anonymous request is parsed. The caller is kept on the request
/// (<see cref="CallerIdentityExtensions.GetCaller"/>); services then check role and ownership.
/// </summary>
public sealed class AuthenticationMiddleware(RequestDelegate next, IdentityResolver resolver, PartnerActivity activity, HubClock clock)
{
    /// <summary>Handles one request.</summary>
    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!IsGrpc(context.Request) || IsPublic(context.Request.Path))
        {
            return next(context);
        }

        // A known credential authenticates synchronously (the resolver's cache): then the call goes on without
        // an async frame of this middleware's own, which unary hot paths (Authorize) would pay per call.
        ValueTask<CallerIdentity> resolving;
        try
        {
            resolving = resolver.ResolveAsync(context.Request.Headers.Authorization);
        }
        catch (Exception ex) when (Refusal(ex) is not null)
        {
            return Refuse(context, Refusal(ex)!.Value);
        }

        return resolving.IsCompletedSuccessfully ? Continue(context, resolving.Result) : ContinueAfterAsync(context, resolving);
    }

    private static bool IsGrpc(HttpRequest request) =>
        request.ContentType is { } type && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);

    private static bool IsPublic(PathString path) =>
        path.StartsWithSegments("/grpc.health.v1.Health", StringComparison.Ordinal)
        || (path.Value?.StartsWith("/grpc.reflection.", StringComparison.Ordinal) ?? false);

    private static Status? Refusal(Exception ex) => ex switch
    {
        RpcException rpc => rpc.Status,
        HubException { Code: HubErrorCode.Unauthenticated } hub => new Status(StatusCode.Unauthenticated, hub.Message),
        HubException { Code: HubErrorCode.PermissionDenied } hub => new Status(StatusCode.PermissionDenied, hub.Message),
        HubException { Code: HubErrorCode.Unavailable } hub => new Status(StatusCode.Unavailable, hub.Message),
        // The credential's grain could not be reached (its silo died and is not yet declared dead, the store is
        // down): retryable, as on every other path, never an HTTP 500.
        not HubException when Outages.RetryMessage(ex) is { } retry => new Status(StatusCode.Unavailable, retry),
        _ => null,
    };

    // A trailers-only gRPC response: the status in the headers, no message.
    private static Task Refuse(HttpContext context, Status status)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)status.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = PercentEncode(status.Detail);
        return Task.CompletedTask;
    }

    // The gRPC spec's grpc-message encoding: printable ASCII except '%' as is, everything else as %XX of UTF-8.
    private static string PercentEncode(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            if (b is >= 0x20 and <= 0x7E and not (byte)'%')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private Task Continue(HttpContext context, CallerIdentity caller)
    {
        context.SetCaller(caller);
        if (caller.Party is { } party)
        {
            activity.Called(party, clock.UtcNow.UtcTicks);
        }

        return next(context);
    }

    private async Task ContinueAfterAsync(HttpContext context, ValueTask<CallerIdentity> resolving)
    {
        CallerIdentity caller;
        try
        {
            caller = await resolving;
        }
        catch (Exception ex) when (Refusal(ex) is not null)
        {
            await Refuse(context, Refusal(ex)!.Value);
            return;
        }

        await Continue(context, caller);
    }
}
