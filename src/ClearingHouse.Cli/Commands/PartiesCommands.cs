using System.CommandLine;
using ClearingHouse.Cli.Output;
using ClearingHouse.Contracts.V1;

namespace ClearingHouse.Cli.Commands;

/// <summary><c>parties register|get|list|suspend|reinstate|archive</c>.</summary>
public static class PartiesCommands
{
    /// <summary>Builds the command group.</summary>
    public static Command Create(CommandContext ctx)
    {
        var parties = new Command("parties", "Register, list, suspend, reinstate and archive parties (operator)");

        var party = PartyArgument();
        var name = new Option<string>("--name") { Description = "Display name", Required = true };
        var register = new Command("register", "Register a party, e.g. parties register NL-ABC-CPO --name \"Acme Charging\"") { party, name };
        register.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var response = await new PartyAdminService.PartyAdminServiceClient(channel).RegisterPartyAsync(
                new RegisterPartyRequest { Party = CommandContext.ParseParty(r.GetValue(party)!, "party"), Name = r.GetValue(name)! },
                deadline: CommandContext.Deadline, cancellationToken: ct);
            PrintParty(ctx.Printer(r), response.Party);
            return 0;
        });

        var getParty = PartyArgument();
        var get = new Command("get", "Show one party") { getParty };
        get.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var response = await new PartyAdminService.PartyAdminServiceClient(channel).GetPartyAsync(
                new GetPartyRequest { Party = CommandContext.ParseParty(r.GetValue(getParty)!, "party") },
                deadline: CommandContext.Deadline, cancellationToken: ct);
            PrintParty(ctx.Printer(r), response.Party);
            return 0;
        });

        var role = new Option<string?>("--role") { Description = "Only CPO or EMSP" };
        role.AcceptOnlyFromAmong("CPO", "EMSP");
        var country = new Option<string?>("--country") { Description = "Only this country code" };
        var pageSize = new Option<int>("--page-size") { Description = "Items per page (default 100)" };
        var pageToken = new Option<string?>("--page-token") { Description = "The next-page token printed by the previous page" };
        var includeArchived = new Option<bool>("--include-archived") { Description = "Archived parties too (left out by default)" };
        var list = new Command("list", "List parties (archived ones only with --include-archived)") { role, country, pageSize, pageToken, includeArchived };
        list.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var request = new ListPartiesRequest
            {
                Role = r.GetValue(role) switch { "CPO" => PartyRole.Cpo, "EMSP" => PartyRole.Emsp, _ => PartyRole.Unspecified },
                CountryCode = r.GetValue(country) ?? "",
                Page = new PageRequest { PageSize = r.GetValue(pageSize), PageToken = r.GetValue(pageToken) ?? "" },
                IncludeArchived = r.GetValue(includeArchived),
            };
            var response = await new PartyAdminService.PartyAdminServiceClient(channel).ListPartiesAsync(request, deadline: CommandContext.Deadline, cancellationToken: ct);
            var printer = ctx.Printer(r);
            printer.Table(response, response.Parties, ["PARTY", "NAME", "STATUS", "REGISTERED"],
                p => [Format.Party(p.Ref), p.Name, p.Status.ToString().ToUpperInvariant(), Format.Time(p.RegisteredAt)]);
            if (response.Page?.NextPageToken is { Length: > 0 } next)
            {
                printer.Line($"next page: --page-token {next}");
            }

            return 0;
        });

        parties.Subcommands.Add(register);
        parties.Subcommands.Add(get);
        parties.Subcommands.Add(list);
        parties.Subcommands.Add(StatusCommand(ctx, "suspend", "Suspend a party: its calls are refused and nothing flows to or from it", PartyStatus.Suspended));
        parties.Subcommands.Add(StatusCommand(ctx, "reinstate", "Reinstate a suspended or archived party", PartyStatus.Active));
        parties.Subcommands.Add(StatusCommand(ctx, "archive", "Archive a party no longer in use (a test party): suspended and left out of 'parties list'; its data is kept", PartyStatus.Archived));
        return parties;
    }

    /// <summary>The positional party argument, COUNTRY-PARTY-ROLE.</summary>
    public static Argument<string> PartyArgument() => new("party") { Description = "COUNTRY-PARTY-ROLE, e.g. NL-ABC-CPO or DE-XYZ-EMSP" };

    private static Command StatusCommand(CommandContext ctx, string verb, string description, PartyStatus status)
    {
        var party = PartyArgument();
        var reason = new Option<string?>("--reason") { Description = "Why, for the audit trail" };
        var command = new Command(verb, description) { party, reason };
        command.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var client = new PartyAdminService.PartyAdminServiceClient(channel);
            var partyRef = CommandContext.ParseParty(r.GetValue(party)!, "party");
            var why = r.GetValue(reason) ?? "";
            var result = status switch
            {
                PartyStatus.Suspended => (await client.SuspendPartyAsync(new SuspendPartyRequest { Party = partyRef, Reason = why }, deadline: CommandContext.Deadline, cancellationToken: ct)).Party,
                PartyStatus.Archived => (await client.ArchivePartyAsync(new ArchivePartyRequest { Party = partyRef, Reason = why }, deadline: CommandContext.Deadline, cancellationToken: ct)).Party,
                _ => (await client.ReinstatePartyAsync(new ReinstatePartyRequest { Party = partyRef, Reason = why }, deadline: CommandContext.Deadline, cancellationToken: ct)).Party,
            };
            PrintParty(ctx.Printer(r), result);
            return 0;
        });
        return command;
    }

    private static void PrintParty(Printer printer, Party party) => printer.Message(party,
        ("party", Format.Party(party.Ref)),
        ("name", party.Name),
        ("status", party.Status.ToString().ToUpperInvariant()),
        ("registered", Format.Time(party.RegisteredAt)),
        ("updated", Format.Time(party.UpdatedAt)));
}
