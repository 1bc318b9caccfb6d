using System.CommandLine;
using ClearingHouse.Contracts.V1;
using Grpc.Health.V1;

namespace ClearingHouse.Cli.Commands;

/// <summary><c>health</c> and <c>whoami</c>.</summary>
public static class HealthCommands
{
    /// <summary><c>health</c>: the standard gRPC health check; needs no credential. Exit 1 when not serving.</summary>
    public static Command CreateHealth(CommandContext ctx)
    {
        var health = new Command("health", "Ask the hub whether it is serving (grpc.health.v1; no credential needed)");
        health.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r, requireCredential: false);
            var response = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: ct);
            ctx.Printer(r).Message(response, ("status", response.Status.ToString().ToUpperInvariant()), ("hub", r.GetValue(ctx.Globals.Hub)!));
            return response.Status == HealthCheckResponse.Types.ServingStatus.Serving ? 0 : 1;
        });
        return health;
    }

    /// <summary><c>whoami</c>: the identity the hub resolves the credential to.</summary>
    public static Command CreateWhoAmI(CommandContext ctx)
    {
        var whoami = new Command("whoami", "Show who the hub thinks you are");
        whoami.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var response = await new IdentityService.IdentityServiceClient(channel).WhoAmIAsync(new WhoAmIRequest(), deadline: CommandContext.Deadline, cancellationToken: ct);
            ctx.Printer(r).Message(response,
                ("caller", response.Operator ? "hub operator" : Output.Format.Party(response.Party)),
                ("credential", response.CredentialId));
            return 0;
        });
        return whoami;
    }
}
