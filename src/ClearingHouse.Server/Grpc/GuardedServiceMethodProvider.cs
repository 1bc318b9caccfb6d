using System.Reflection;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace ClearingHouse.Server.Grpc;

/// <summary>
/// Binds every gRPC service (ours, health, reflection) as grpc-dotnet's own binder does, with one change: a
/// request body that is not a valid protobuf message of the method's request type (random bytes, truncated
/// fields, bad wire types, deep nesting, invalid UTF-8) ends the call with InvalidArgument naming the type,
/// instead of grpc-dotnet's Unknown "Exception was thrown by handler." and an error log with a stack trace
/// for a client's mistake. Authentication runs before any of this (<see cref="Identity.AuthenticationMiddleware"/>),
/// so an anonymous malformed request is answered Unauthenticated.
/// </summary>
/// <remarks>grpc-dotnet has no option for this: the request marshaller comes from the generated code, so the
/// service's <c>BindService</c> is called here with a binder that wraps it.</remarks>
internal sealed class GuardedServiceMethodProvider<TService> : IServiceMethodProvider<TService>
    where TService : class
{
    /// <inheritdoc />
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        if (FindBindMethod(typeof(TService)) is { } bind)
        {
            bind.Invoke(null, [new Binder(context), null]);
        }
    }

    private static MethodInfo? FindBindMethod(Type? type)
    {
        for (; type is not null; type = type.BaseType)
        {
            if (type.GetCustomAttribute<BindServiceMethodAttribute>() is { } attribute)
            {
                return attribute.BindType.GetMethod(attribute.BindMethodName, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static, [typeof(ServiceBinderBase), type]);
            }
        }

        return null;
    }

    /// <summary>A marshaller whose deserializer turns a parse failure into InvalidArgument.</summary>
    internal static Marshaller<T> Guard<T>(Marshaller<T> inner, string typeName) =>
        new(inner.ContextualSerializer, context =>
        {
            try
            {
                return inner.ContextualDeserializer(context);
            }
            catch (Exception ex) when (ex is InvalidProtocolBufferException or InvalidOperationException or ArgumentException or InvalidDataException)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"the request is not a valid {typeName} message: {ex.Message}"));
            }
        });

    private sealed class Binder(ServiceMethodProviderContext<TService> context) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Handler<UnaryServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(TRequest), typeof(ServerCallContext));
            context.AddUnaryMethod(Wrap(method), metadata, invoker);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Handler<ClientStreamingServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(IAsyncStreamReader<TRequest>), typeof(ServerCallContext));
            context.AddClientStreamingMethod(Wrap(method), metadata, invoker);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Handler<ServerStreamingServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(TRequest), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));
            context.AddServerStreamingMethod(Wrap(method), metadata, invoker);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Handler<DuplexStreamingServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(IAsyncStreamReader<TRequest>), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));
            context.AddDuplexStreamingMethod(Wrap(method), metadata, invoker);
        }

        private static Method<TRequest, TResponse> Wrap<TRequest, TResponse>(Method<TRequest, TResponse> method)
            where TRequest : class
            where TResponse : class =>
            new(method.Type, method.ServiceName, method.Name, Guard(method.RequestMarshaller, typeof(TRequest).Name), method.ResponseMarshaller);

        // As grpc-dotnet's binder: the service's method of that name and signature (its override, or the
        // generated base that answers Unimplemented), with the service's and the method's attributes as metadata.
        private static (TDelegate Invoker, List<object> Metadata) Handler<TDelegate>(string name, params Type[] parameters)
            where TDelegate : Delegate
        {
            var method = typeof(TService).GetMethod(name, parameters)
                ?? throw new InvalidOperationException($"{typeof(TService).Name} has no method {name}");
            var metadata = new List<object>();
            metadata.AddRange(typeof(TService).GetCustomAttributes(inherit: true));
            metadata.AddRange(method.GetCustomAttributes(inherit: true));
            return ((TDelegate)Delegate.CreateDelegate(typeof(TDelegate), method), metadata);
        }
    }
}
