using System.CommandLine;
using ClearingHouse.Cli.Output;
using ClearingHouse.Contracts.V1;

namespace ClearingHouse.Cli.Commands;

/// <summary><c>ocpi token-a|partners</c>: onboarding OCPI 2.2.1 partner platforms (docs/ocpi.md).</summary>
public static class OcpiCommands
{
    /// <summary>Builds the command group.</summary>
    public static Command Create(CommandContext ctx)
    {
        var ocpi = new Command("ocpi", "OCPI 2.2.1 partner platforms: registration tokens and registrations");

        var party = PartiesCommands.PartyArgument();
        var tokenA = new Command("token-a", "Issue (or replace) the TOKEN_A a party's platform registers with; printed once") { party };
        tokenA.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var response = await new OcpiAdminService.OcpiAdminServiceClient(channel).IssueTokenAAsync(
                new IssueTokenARequest { Party = CommandContext.ParseParty(r.GetValue(party)!, "party") },
                deadline: CommandContext.Deadline, cancellationToken: ct);
            ctx.Printer(r).Message(response, ("token", response.Token), ("versions", response.VersionsUrl));
            return 0;
        });

        var partners = new Command("partners", "List the parties with a TOKEN_A outstanding or an OCPI registration");
        partners.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var response = await new OcpiAdminService.OcpiAdminServiceClient(channel).ListPartnersAsync(
                new ListOcpiPartnersRequest(), deadline: CommandContext.Deadline, cancellationToken: ct);
            ctx.Printer(r).Table(response, response.Partners, ["PARTY", "STATE", "VERSIONS URL", "ENDPOINTS", "CHANGED"],
                p => [Format.Party(p.Party), p.State, p.VersionsUrl, string.Join(",", p.Endpoints), Format.Time(p.ChangedAt)]);
            return 0;
        });

        ocpi.Subcommands.Add(tokenA);
        ocpi.Subcommands.Add(partners);
        return ocpi;
    }
}
