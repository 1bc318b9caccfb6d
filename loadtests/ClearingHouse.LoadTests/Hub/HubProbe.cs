using ClearingHouse.Contracts.V1;
using Grpc.Core;

namespace ClearingHouse.LoadTests.Hub;

/// <summary>Checks before anything else that the hub answers and accepts the operator credential.</summary>
public static class HubProbe
{
    public static async Task CheckOperatorAsync(Uri hub, string operatorCredential, TextWriter log, CancellationToken cancellationToken)
    {
        using var channel = ConnectionSet.CreateChannel(hub);
        var client = new IdentityService.IdentityServiceClient(channel);
        WhoAmIResponse me;
        try
        {
            me = await client.WhoAmIAsync(
                new WhoAmIRequest(),
                Bearer.Headers(operatorCredential),
                DateTime.UtcNow.AddSeconds(10),
                cancellationToken);
        }
        catch (RpcException e)
        {
            throw HubErrors.Explain(e, hub, "IdentityService.WhoAmI with the operator credential");
        }

        if (!me.Operator)
        {
            throw new Cli.LoadTestSetupException(
                $"the credential given is a party's ({me.Party}), not the operator's: the scenario provisions its own parties and needs the operator credential.");
        }

        await log.WriteLineAsync($"hub {hub} answers; operator credential {me.CredentialId} accepted.");
    }
}
