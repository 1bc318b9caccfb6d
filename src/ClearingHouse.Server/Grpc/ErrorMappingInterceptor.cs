using ClearingHouse.Application.Access;
using ClearingHouse.Application.Operations;
using ClearingHouse.Server.Identity;
using ClearingHouse.Application.Errors;
using ClearingHouse.Grains.Errors;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace ClearingHouse.Server.Grpc;

/// <summary>
/// The one place where exceptions become gRPC statuses: <see cref="HubException"/> maps to its code
/// (InvalidArgument carries a <c>google.rpc.BadRequest</c> naming the field), a cluster that cannot
/// be reached maps to Unavailable, and anything unexpected is logged and returned as Internal with
/// no stack trace.
/// </summary>
public sealed partial class ErrorMappingInterceptor(ILogger<ErrorMappingInterceptor> logger, PartnerActivity activity) : Interceptor
{
    /// <inheritdoc />
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Map(ex, context);
        }
    }

    /// <inheritdoc />
    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Map(ex, context);
        }
    }

    /// <inheritdoc />
    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Map(ex, context);
        }
    }

    /// <inheritdoc />
    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Map(ex, context);
        }
    }

    /// <summary>The status a client sees for an exception.</summary>
    public static RpcException ToRpcException(HubException ex)
    {
        var status = new Google.Rpc.Status { Code = (int)ToStatusCode(ex.Code), Message = ex.Message };
        if (ex.Field is not null)
        {
            status.Details.Add(Any.Pack(new BadRequest
            {
                FieldViolations = { new BadRequest.Types.FieldViolation { Field = ex.Field, Description = ex.Message } },
            }));
        }

        return status.ToRpcException();
    }

    private RpcException Map(Exception ex, ServerCallContext context)
    {
        if (context.FindCaller() is { Party: { } party })
        {
            activity.Failed(party);
        }

        if (ex is HubException hub)
        {
            return ToRpcException(hub);
        }

        // The client went away (reset its stream, closed a channel) or the deadline passed: what the handler
        // was doing fails with whatever the transport throws. A normal disconnect, not an error of the hub.
        if (context.CancellationToken.IsCancellationRequested && ex is OperationCanceledException or IOException or InvalidOperationException or ObjectDisposedException)
        {
            LogCallEnded(logger, context.Method, ex.GetType().Name);
            return new RpcException(new global::Grpc.Core.Status(StatusCode.Cancelled, "the call was cancelled"));
        }

        if (Outages.RetryMessage(ex) is { } retry)
        {
            LogUnavailable(logger, context.Method, ex.GetType().Name, ex.Message);
            return new RpcException(new global::Grpc.Core.Status(StatusCode.Unavailable, retry));
        }

        LogUnexpected(logger, ex, context.Method);
        return new RpcException(new global::Grpc.Core.Status(StatusCode.Internal, "internal error; the hub logged it"));
    }

    private static StatusCode ToStatusCode(HubErrorCode code) => code switch
    {
        HubErrorCode.InvalidArgument => StatusCode.InvalidArgument,
        HubErrorCode.NotFound => StatusCode.NotFound,
        HubErrorCode.AlreadyExists => StatusCode.AlreadyExists,
        HubErrorCode.FailedPrecondition => StatusCode.FailedPrecondition,
        HubErrorCode.PermissionDenied => StatusCode.PermissionDenied,
        HubErrorCode.Unavailable => StatusCode.Unavailable,
        HubErrorCode.ResourceExhausted => StatusCode.ResourceExhausted,
        HubErrorCode.DeadlineExceeded => StatusCode.DeadlineExceeded,
        HubErrorCode.Unauthenticated => StatusCode.Unauthenticated,
        HubErrorCode.Cancelled => StatusCode.Cancelled,
        _ => StatusCode.Internal,
    };

    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "Unexpected error in {Method}")]
    private static partial void LogUnexpected(ILogger logger, Exception ex, string method);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Debug, Message = "Call {Method} ended by the client or its deadline ({ExceptionType})")]
    private static partial void LogCallEnded(ILogger logger, string method, string exceptionType);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Cluster unavailable in {Method}: {ExceptionType}: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string method, string exceptionType, string reason);
}
