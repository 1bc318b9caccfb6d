using System.CommandLine;
using System.Globalization;
using ClearingHouse.Cli.Output;
using ClearingHouse.Contracts.V1;

namespace ClearingHouse.Cli.Commands;

/// <summary><c>disputes list|get|open|move</c>.</summary>
public static class DisputesCommands
{
    /// <summary>Builds the command group.</summary>
    public static Command Create(CommandContext ctx)
    {
        var disputes = new Command("disputes", "Disputes about CDRs: EMSP opens and accepts, CPO declines or revises, operator resolves");

        var cpo = new Option<string?>("--cpo") { Description = "Only disputes of this CPO" };
        var emsp = new Option<string?>("--emsp") { Description = "Only disputes of this EMSP" };
        var state = new Option<string?>("--state") { Description = "Only disputes in this state (open, accepted, declined, revised, resolved)" };
        var pageSize = new Option<int>("--page-size") { Description = "Items per page (default 100, at most 1000)" };
        var pageToken = new Option<string?>("--page-token") { Description = "The next-page token printed by the previous page" };
        var list = new Command("list", "List disputes you are a side of") { cpo, emsp, state, pageSize, pageToken };
        list.SetAction(async (r, ct) =>
        {
            var request = new ListDisputesRequest { Page = new PageRequest { PageSize = r.GetValue(pageSize), PageToken = r.GetValue(pageToken) ?? "" } };
            if (r.GetValue(cpo) is { } c)
            {
                request.Cpo = CommandContext.ParseParty(c, "--cpo");
            }

            if (r.GetValue(emsp) is { } e)
            {
                request.Emsp = CommandContext.ParseParty(e, "--emsp");
            }

            if (r.GetValue(state) is { } s)
            {
                request.State = ParseState(s, "--state");
            }

            using var channel = ctx.Channel(r);
            var response = await new DisputeService.DisputeServiceClient(channel).ListDisputesAsync(request, deadline: CommandContext.Deadline, cancellationToken: ct);
            var printer = ctx.Printer(r);
            printer.Table(response, response.Disputes, ["ID", "CPO", "CDR", "EMSP", "STATE", "OPENED BY", "UPDATED", "REASON"], d =>
            [
                d.Id.ToString(CultureInfo.InvariantCulture), Format.Party(d.Cpo), d.CdrId, Format.Party(d.Emsp), Name(d.State), d.OpenedBy, Format.Time(d.UpdatedAt), d.Reason,
            ]);
            if (response.Page?.NextPageToken is { Length: > 0 } next)
            {
                printer.Line($"next page: --page-token {next}");
            }

            return 0;
        });

        var id = new Argument<long>("id") { Description = "The dispute id" };
        var get = new Command("get", "Show a dispute with its history") { id };
        get.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var response = await new DisputeService.DisputeServiceClient(channel).GetDisputeAsync(new GetDisputeRequest { Id = r.GetValue(id) }, deadline: CommandContext.Deadline, cancellationToken: ct);
            var printer = ctx.Printer(r);
            PrintDispute(printer, response, response.Dispute);
            printer.Line("");
            printer.Table(response, response.Changes, ["VERSION", "AT", "ACTOR", "FROM", "TO", "REASON"], c =>
                [c.Version.ToString(CultureInfo.InvariantCulture), Format.Time(c.At), c.Actor, c.From == DisputeState.Unspecified ? "" : Name(c.From), Name(c.To), c.Reason]);
            return 0;
        });

        var openCpo = new Option<string>("--cpo") { Description = "The CPO that submitted the CDR", Required = true };
        var cdrId = new Argument<string>("cdr-id") { Description = "The CDR id" };
        var reason = new Option<string>("--reason") { Description = "Why (required)", Required = true };
        var open = new Command("open", "Open a dispute about a CDR (EMSP)") { cdrId, openCpo, reason };
        open.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var response = await new DisputeService.DisputeServiceClient(channel).OpenDisputeAsync(
                new OpenDisputeRequest { Cpo = CommandContext.ParseParty(r.GetValue(openCpo)!, "--cpo"), CdrId = r.GetValue(cdrId)!, Reason = r.GetValue(reason)! },
                deadline: CommandContext.Deadline, cancellationToken: ct);
            PrintDispute(ctx.Printer(r), response, response.Dispute);
            return 0;
        });

        var toState = new Argument<string>("state") { Description = "accepted, declined, revised or resolved" };
        var credit = new Option<string?>("--credit-cdr") { Description = "For revised: the credit CDR you submitted" };
        var replacement = new Option<string?>("--new-cdr") { Description = "For revised: the corrected CDR you submitted" };
        var move = new Command("move", "Move a dispute to another state") { id, toState, reason, credit, replacement };
        move.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var response = await new DisputeService.DisputeServiceClient(channel).MoveDisputeAsync(
                new MoveDisputeRequest
                {
                    Id = r.GetValue(id), To = ParseState(r.GetValue(toState)!, "state"), Reason = r.GetValue(reason)!,
                    CreditCdrId = r.GetValue(credit) ?? "", NewCdrId = r.GetValue(replacement) ?? "",
                },
                deadline: CommandContext.Deadline, cancellationToken: ct);
            PrintDispute(ctx.Printer(r), response, response.Dispute);
            return 0;
        });

        disputes.Subcommands.Add(list);
        disputes.Subcommands.Add(get);
        disputes.Subcommands.Add(open);
        disputes.Subcommands.Add(move);
        return disputes;
    }

    private static void PrintDispute(Printer printer, Google.Protobuf.IMessage response, Dispute d) =>
        printer.Message(response,
            ("dispute", d.Id.ToString(CultureInfo.InvariantCulture)), ("cdr", $"{Format.Party(d.Cpo)}/{d.CdrId}"), ("emsp", Format.Party(d.Emsp)),
            ("state", Name(d.State)), ("opened", $"{Format.Time(d.OpenedAt)} by {d.OpenedBy}: {d.Reason}"), ("updated", Format.Time(d.UpdatedAt)),
            ("version", d.Version.ToString(CultureInfo.InvariantCulture)), ("revision", d.CreditCdrId.Length > 0 ? $"credit {d.CreditCdrId}, new {d.NewCdrId}" : ""));

    private static string Name(DisputeState state) => state.ToString().ToUpperInvariant();

    private static DisputeState ParseState(string text, string name) =>
        Enum.TryParse<DisputeState>(text, ignoreCase: true, out var s) && s != DisputeState.Unspecified
            ? s
            : throw new UsageException($"{name} '{text}' is not one of open, accepted, declined, revised, resolved");
}
