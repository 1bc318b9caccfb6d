using ClearingHouse.Application.Access;
using ClearingHouse.Grains.Errors;
using Grpc.Core;

namespace ClearingHouse.Server.Identity;

/// <summary>Reads the caller the authentication middleware put on the request.</summary>
public static class CallerIdentityExtensions
{
    private static readonly object Key = typeof(CallerIdentity);

    /// <summary>The authenticated caller of this call.</summary>
    public static CallerIdentity GetCaller(this ServerCallContext context) =>
        context.GetHttpContext().Items.TryGetValue(Key, out var value) && value is CallerIdentity caller
            ? caller
            : throw new HubException(HubErrorCode.Unauthenticated, "no credential on this call");

    /// <summary>The authenticated caller of this call, or null (health, reflection).</summary>
    public static CallerIdentity? FindCaller(this ServerCallContext context) =>
        context.GetHttpContext().Items.TryGetValue(Key, out var value) ? value as CallerIdentity : null;

    internal static void SetCaller(this HttpContext context, CallerIdentity caller) => context.Items[Key] = caller;
}
