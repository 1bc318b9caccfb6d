using System.CommandLine;
using ClearingHouse.Cli.Output;
using ClearingHouse.Contracts.V1;

namespace ClearingHouse.Cli.Commands;

/// <summary><c>agreements set|end|list</c>.</summary>
public static class AgreementsCommands
{
    /// <summary>Builds the command group.</summary>
    public static Command Create(CommandContext ctx)
    {
        var agreements = new Command("agreements", "Roaming agreements between CPOs and EMSPs");

        var cpo = new Option<string>("--cpo") { Description = "The CPO, e.g. NL-ABC-CPO", Required = true };
        var emsp = new Option<string>("--emsp") { Description = "The EMSP, e.g. DE-XYZ-EMSP", Required = true };
        var from = new Option<string?>("--from") { Description = "Valid from (ISO 8601 UTC; default now)" };
        var until = new Option<string?>("--until") { Description = "Valid until, exclusive (ISO 8601 UTC; default open-ended)" };
        var set = new Command("set", "Create or update the agreement between a CPO and an EMSP") { cpo, emsp, from, until };
        set.SetAction(async (r, ct) =>
        {
            var request = new SetAgreementRequest
            {
                Cpo = CommandContext.ParseParty(r.GetValue(cpo)!, "--cpo"),
                Emsp = CommandContext.ParseParty(r.GetValue(emsp)!, "--emsp"),
            };
            if (r.GetValue(from) is { } f)
            {
                request.ValidFrom = Format.ParseTime(f, "--from");
            }

            if (r.GetValue(until) is { } u)
            {
                request.ValidUntil = Format.ParseTime(u, "--until");
            }

            using var channel = ctx.Channel(r);
            var response = await new PartyAdminService.PartyAdminServiceClient(channel).SetAgreementAsync(request, deadline: CommandContext.Deadline, cancellationToken: ct);
            PrintAgreement(ctx.Printer(r), response.Agreement);
            return 0;
        });

        var endCpo = new Option<string>("--cpo") { Description = "The CPO", Required = true };
        var endEmsp = new Option<string>("--emsp") { Description = "The EMSP", Required = true };
        var at = new Option<string?>("--at") { Description = "When it ends (ISO 8601 UTC; default now)" };
        var end = new Command("end", "End an agreement") { endCpo, endEmsp, at };
        end.SetAction(async (r, ct) =>
        {
            var request = new EndAgreementRequest
            {
                Cpo = CommandContext.ParseParty(r.GetValue(endCpo)!, "--cpo"),
                Emsp = CommandContext.ParseParty(r.GetValue(endEmsp)!, "--emsp"),
            };
            if (r.GetValue(at) is { } a)
            {
                request.EndedAt = Format.ParseTime(a, "--at");
            }

            using var channel = ctx.Channel(r);
            var response = await new PartyAdminService.PartyAdminServiceClient(channel).EndAgreementAsync(request, deadline: CommandContext.Deadline, cancellationToken: ct);
            PrintAgreement(ctx.Printer(r), response.Agreement);
            return 0;
        });

        var party = new Option<string?>("--party") { Description = "Only agreements of this party" };
        var includeEnded = new Option<bool>("--include-ended") { Description = "Also list ended agreements" };
        var pageSize = new Option<int>("--page-size") { Description = "Items per page (default 100)" };
        var pageToken = new Option<string?>("--page-token") { Description = "The next-page token printed by the previous page" };
        var list = new Command("list", "List agreements (a party sees only its own)") { party, includeEnded, pageSize, pageToken };
        list.SetAction(async (r, ct) =>
        {
            var request = new ListAgreementsRequest
            {
                IncludeEnded = r.GetValue(includeEnded),
                Page = new PageRequest { PageSize = r.GetValue(pageSize), PageToken = r.GetValue(pageToken) ?? "" },
            };
            if (r.GetValue(party) is { } p)
            {
                request.Party = CommandContext.ParseParty(p, "--party");
            }

            using var channel = ctx.Channel(r);
            var response = await new PartyAdminService.PartyAdminServiceClient(channel).ListAgreementsAsync(request, deadline: CommandContext.Deadline, cancellationToken: ct);
            var printer = ctx.Printer(r);
            printer.Table(response, response.Agreements, ["CPO", "EMSP", "STATUS", "VALID FROM", "VALID UNTIL"],
                a => [Format.Party(a.Cpo), Format.Party(a.Emsp), a.Status.ToString().ToUpperInvariant(), Format.Time(a.ValidFrom), Format.Time(a.ValidUntil)]);
            if (response.Page?.NextPageToken is { Length: > 0 } next)
            {
                printer.Line($"next page: --page-token {next}");
            }

            return 0;
        });

        agreements.Subcommands.Add(set);
        agreements.Subcommands.Add(end);
        agreements.Subcommands.Add(list);
        return agreements;
    }

    private static void PrintAgreement(Printer printer, Agreement a) => printer.Message(a,
        ("cpo", Format.Party(a.Cpo)),
        ("emsp", Format.Party(a.Emsp)),
        ("status", a.Status.ToString().ToUpperInvariant()),
        ("valid from", Format.Time(a.ValidFrom)),
        ("valid until", Format.Time(a.ValidUntil)));
}
