using ClearingHouse.Application.Access;
using ClearingHouse.Application.Operations;
using ClearingHouse.Grains;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace ClearingHouse.Server.Identity;

/// <summary>
/// Authenticates every call except health checks and reflection, and puts the caller on the call
/// (<see cref="CallerIdentityExtensions.GetCaller"/>). Services then check role and ownership.
/// </summary>
public sealed class AuthenticationInterceptor(IdentityResolver resolver, PartnerActivity activity, HubClock clock) : Interceptor
{
    /// <inheritdoc />
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        // A known credential authenticates synchronously (the resolver's cache): then the call goes on
        // without an async frame of this interceptor's own, which unary hot paths (Authorize) pay per call.
        var authentication = AuthenticateAsync(context);
        return authentication.IsCompletedSuccessfully
            ? continuation(request, context)
            : ContinueAfterAsync(authentication, request, context, continuation);
    }

    /// <inheritdoc />
    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context);
        return await continuation(requestStream, context);
    }

    /// <inheritdoc />
    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context);
        await continuation(request, responseStream, context);
    }

    /// <inheritdoc />
    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context);
        await continuation(requestStream, responseStream, context);
    }

    private static async Task<TResponse> ContinueAfterAsync<TRequest, TResponse>(ValueTask authentication, TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
        where TRequest : class
        where TResponse : class
    {
        await authentication;
        return await continuation(request, context);
    }

    private async ValueTask AuthenticateAsync(ServerCallContext context)
    {
        if (IsPublic(context.Method))
        {
            return;
        }

        var caller = await resolver.ResolveAsync(context.RequestHeaders.GetValue("authorization"));
        context.SetCaller(caller);
        if (caller.Party is { } party)
        {
            activity.Called(party, clock.UtcNow.UtcTicks);
        }
    }

    private static bool IsPublic(string method) =>
        method.StartsWith("/grpc.health.v1.Health/", StringComparison.Ordinal)
        || method.StartsWith("/grpc.reflection.", StringComparison.Ordinal);
}
