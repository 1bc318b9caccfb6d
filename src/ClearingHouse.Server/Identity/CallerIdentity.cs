using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Errors;
using Grpc.Core;

namespace ClearingHouse.Server.Identity;

/// <summary>Who is calling: the hub operator or one party, and with which credential.</summary>
public sealed record CallerIdentity(PartyKey? Party, string CredentialId)
{
    /// <summary>Whether the caller is the hub operator.</summary>
    public bool IsOperator => Party is null;

    /// <summary>PermissionDenied unless the caller is the operator.</summary>
    public void RequireOperator()
    {
        if (!IsOperator)
        {
            throw new HubException(HubErrorCode.PermissionDenied, "only the hub operator may call this method");
        }
    }

    /// <summary>PermissionDenied unless the caller is the operator or the party <paramref name="party"/> itself.</summary>
    public void RequireOperatorOrSelf(PartyKey party)
    {
        if (!IsOperator && Party != party)
        {
            throw new HubException(HubErrorCode.PermissionDenied, $"a party may only act on itself, not on {party}");
        }
    }

    /// <summary>The party calling, or PermissionDenied unless it is a party of <paramref name="role"/>.</summary>
    public PartyKey RequireParty(PartyRole role)
    {
        if (Party is not { } party || party.Role != role)
        {
            throw new HubException(HubErrorCode.PermissionDenied, $"only a party with role {role.ToString().ToUpperInvariant()} may call this method");
        }

        return party;
    }
}

/// <summary>Reads the caller the authentication interceptor put on the call.</summary>
public static class CallerIdentityExtensions
{
    private static readonly object Key = typeof(CallerIdentity);

    /// <summary>The authenticated caller of this call.</summary>
    public static CallerIdentity GetCaller(this ServerCallContext context) =>
        context.UserState.TryGetValue(Key, out var value) && value is CallerIdentity caller
            ? caller
            : throw new RpcException(new Status(StatusCode.Unauthenticated, "no credential on this call"));

    internal static void SetCaller(this ServerCallContext context, CallerIdentity caller) => context.UserState[Key] = caller;
}
