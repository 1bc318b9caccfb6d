using Grpc.Core;
using Grpc.Core.Interceptors;

namespace ClearingHouse.Server.Grpc;

/// <summary>
/// Ends every streaming call (subscriptions, channels, uploads) when the hub starts to shut down, with
/// Unavailable "the hub is shutting down" so that a partner reconnects (to another silo) and resumes, instead
/// of holding the process for the whole <c>Hub:ShutdownTimeout</c> and being cut off with a reset at its end.
/// Unary calls are not touched: in-flight ones finish. The streaming handlers see the stop as their call's
/// cancellation (a call context whose token also fires on <see cref="IHostApplicationLifetime.ApplicationStopping"/>).
/// Each streaming call is counted by <see cref="StreamDrain"/>, which holds the stop until they have ended.
/// </summary>
public sealed class StreamShutdownInterceptor(IHostApplicationLifetime lifetime, StreamDrain drain) : Interceptor
{
    // grpc-dotnet's GetHttpContext falls back to this UserState key for a call context that is not its own.
    private const string HttpContextKey = "__HttpContext";

    /// <inheritdoc />
    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var tracked = drain.Track();
        using var call = Stoppable(context);
        try
        {
            var response = await continuation(requestStream, call);
            ThrowIfStopped(context);
            return response;
        }
        catch (Exception ex) when (IsStop(ex, context))
        {
            throw Stopped();
        }
    }

    /// <inheritdoc />
    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var tracked = drain.Track();
        using var call = Stoppable(context);
        try
        {
            await continuation(request, responseStream, call);
            ThrowIfStopped(context);
        }
        catch (Exception ex) when (IsStop(ex, context))
        {
            throw Stopped();
        }
    }

    /// <inheritdoc />
    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        using var tracked = drain.Track();
        using var call = Stoppable(context);
        try
        {
            await continuation(requestStream, responseStream, call);
            ThrowIfStopped(context);
        }
        catch (Exception ex) when (IsStop(ex, context))
        {
            throw Stopped();
        }
    }

    private StoppableCallContext Stoppable(ServerCallContext context)
    {
        context.UserState[HttpContextKey] = context.GetHttpContext();
        return new StoppableCallContext(context, lifetime.ApplicationStopping);
    }

    // The stop, not the client, ended the call: whatever the handler threw on its way out.
    private bool IsStop(Exception ex, ServerCallContext context) =>
        lifetime.ApplicationStopping.IsCancellationRequested
        && !context.CancellationToken.IsCancellationRequested
        && ex is OperationCanceledException or IOException or InvalidOperationException or RpcException { StatusCode: StatusCode.Cancelled };

    private void ThrowIfStopped(ServerCallContext context)
    {
        if (lifetime.ApplicationStopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw Stopped();
        }
    }

    private static RpcException Stopped() =>
        new(new Status(StatusCode.Unavailable, "the hub is shutting down; reconnect (to another silo) and resume"));

    /// <summary>The call as it is, with a cancellation that also fires when the hub stops.</summary>
    private sealed class StoppableCallContext(ServerCallContext inner, CancellationToken stopping) : ServerCallContext, IDisposable
    {
        private readonly CancellationTokenSource _cancellation = CancellationTokenSource.CreateLinkedTokenSource(inner.CancellationToken, stopping);

        protected override string MethodCore => inner.Method;

        protected override string HostCore => inner.Host;

        protected override string PeerCore => inner.Peer;

        protected override DateTime DeadlineCore => inner.Deadline;

        protected override Metadata RequestHeadersCore => inner.RequestHeaders;

        protected override CancellationToken CancellationTokenCore => _cancellation.Token;

        protected override Metadata ResponseTrailersCore => inner.ResponseTrailers;

        protected override Status StatusCore
        {
            get => inner.Status;
            set => inner.Status = value;
        }

        protected override WriteOptions? WriteOptionsCore
        {
            get => inner.WriteOptions;
            set => inner.WriteOptions = value;
        }

        protected override AuthContext AuthContextCore => inner.AuthContext;

        protected override IDictionary<object, object> UserStateCore => inner.UserState;

        public void Dispose() => _cancellation.Dispose();

        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => inner.CreatePropagationToken(options);

        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => inner.WriteResponseHeadersAsync(responseHeaders);
    }
}
