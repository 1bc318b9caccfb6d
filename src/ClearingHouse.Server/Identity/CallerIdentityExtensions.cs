using ClearingHouse.Application.Access;
using ClearingHouse.Grains.Errors;
using Grpc.Core;

namespace ClearingHouse.Server.Identity;

/// <summary>Reads the caller the authentication interceptor put on the call.</summary>
public static class CallerIdentityExtensions
{
    private static readonly object Key = typeof(CallerIdentity);

    /// <summary>The authenticated caller of this call.</summary>
    public static CallerIdentity GetCaller(this ServerCallContext context) =>
        context.UserState.TryGetValue(Key, out var value) && value is CallerIdentity caller
            ? caller
            : throw new HubException(HubErrorCode.Unauthenticated, "no credential on this call");

    internal static void SetCaller(this ServerCallContext context, CallerIdentity caller) => context.UserState[Key] = caller;
}
