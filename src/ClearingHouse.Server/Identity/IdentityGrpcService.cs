using ClearingHouse.Contracts.V1;
using ClearingHouse.Server.Grpc;
using Grpc.Core;

namespace ClearingHouse.Server.Identity;

/// <summary>Tells a caller who the hub thinks it is (see identity.proto).</summary>
public sealed class IdentityGrpcService : IdentityService.IdentityServiceBase
{
    /// <inheritdoc />
    public override Task<WhoAmIResponse> WhoAmI(WhoAmIRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var response = new WhoAmIResponse { Operator = caller.IsOperator, CredentialId = caller.CredentialId, ReadOnly = caller.ReadOnly };
        if (caller.Party is { } party)
        {
            response.Party = party.ToProto();
        }

        return Task.FromResult(response);
    }
}
