using System.CommandLine;
using System.Globalization;
using ClearingHouse.Cli.Output;
using ClearingHouse.Contracts.V1;

namespace ClearingHouse.Cli.Commands;

/// <summary><c>ops health|findings|resend|audit</c> (hub operator).</summary>
public static class OpsCommands
{
    /// <summary>Builds the command group.</summary>
    public static Command Create(CommandContext ctx)
    {
        var ops = new Command("ops", "The hub operator's daily tools");

        var health = new Command("health", "Per-partner connection health as seen by the answering silo");
        health.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var response = await new OpsService.OpsServiceClient(channel).GetHealthAsync(new GetHealthRequest(), deadline: CommandContext.Deadline, cancellationToken: ct);
            ctx.Printer(r).Table(response, response.Partners, ["PARTY", "MSP CHANNELS", "STATUS SUBSCRIPTIONS", "LAST SEEN", "CALLS", "ERRORS"], p =>
            [
                Format.Party(p.Party), N(p.MspChannels), N(p.StatusSubscriptions), p.LastSeen is null ? "never (this silo)" : Format.Time(p.LastSeen), N(p.Calls), N(p.Errors),
            ]);
            return 0;
        });

        var since = new Option<string?>("--since") { Description = "Look at CDRs ending at or after (ISO 8601 UTC; default 30 days ago)" };
        var examples = new Option<int>("--examples") { Description = "Examples per finding (default 5)" };
        var findings = new Command("findings", "Data-quality findings with counts and examples") { since, examples };
        findings.SetAction(async (r, ct) =>
        {
            var request = new ListFindingsRequest { Examples = r.GetValue(examples) };
            if (r.GetValue(since) is { } s)
            {
                request.Since = Format.ParseTime(s, "--since");
            }

            using var channel = ctx.Channel(r);
            var response = await new OpsService.OpsServiceClient(channel).ListFindingsAsync(request, deadline: CommandContext.Deadline, cancellationToken: ct);
            ctx.Printer(r).Table(response, response.Findings, ["FINDING", "COUNT", "EXAMPLES", "NOTE"], f =>
                [f.Kind, f.Checked ? N(f.Count) : "-", string.Join("; ", f.Examples), f.Note]);
            return 0;
        });

        var resend = new Command("resend", "Deliver a stored CDR or a session again to its EMSP's subscription") { ResendCdr(ctx), ResendSession(ctx) };

        ops.Subcommands.Add(health);
        ops.Subcommands.Add(findings);
        ops.Subcommands.Add(resend);
        ops.Subcommands.Add(Audit(ctx));
        return ops;
    }

    // ops audit [--action A] [--target T] [--actor X] [--since T] [--until T] [--limit N] [--before SEQ]
    private static Command Audit(CommandContext ctx)
    {
        var limit = new Option<int>("--limit") { Description = "Entries (default 100, at most 1000)" };
        var action = new Option<string?>("--action") { Description = "Only this action or those under it: parties, credentials.rotate, agreements, ..." };
        var target = new Option<string?>("--target") { Description = "Only this target or those under it: NL-ABC-CPO also matches its credentials and agreements" };
        var actor = new Option<string?>("--actor") { Description = "Only entries by this actor: operator, or a party (NL-ABC-CPO)" };
        var since = new Option<string?>("--since") { Description = "Only entries at or after (ISO 8601 UTC)" };
        var until = new Option<string?>("--until") { Description = "Only entries before (ISO 8601 UTC)" };
        var before = new Option<long>("--before") { Description = "Only entries older than this sequence (the next-page hint of the previous page)" };
        var audit = new Command("audit", "The audit log, newest first: who changed which party, credential or agreement, and the operator's actions")
        {
            limit, action, target, actor, since, until, before,
        };
        audit.SetAction(async (r, ct) =>
        {
            var request = new ListAuditLogRequest
            {
                Limit = r.GetValue(limit),
                BeforeSequence = r.GetValue(before),
                Action = r.GetValue(action) ?? "",
                Target = r.GetValue(target) ?? "",
                Actor = r.GetValue(actor) ?? "",
            };
            if (r.GetValue(since) is { } s)
            {
                request.From = Format.ParseTime(s, "--since");
            }

            if (r.GetValue(until) is { } u)
            {
                request.Until = Format.ParseTime(u, "--until");
            }

            using var channel = ctx.Channel(r);
            var response = await new OpsService.OpsServiceClient(channel).ListAuditLogAsync(request, deadline: CommandContext.Deadline, cancellationToken: ct);
            var printer = ctx.Printer(r);
            printer.Table(response, response.Entries, ["SEQ", "AT", "ACTOR", "ACTION", "TARGET", "DETAIL"], e =>
                [N(e.Sequence), Format.Time(e.At), e.Actor, e.Action, e.Target, e.Detail]);
            if (response.NextBeforeSequence > 0)
            {
                printer.Line($"next page: --before {response.NextBeforeSequence}");
            }

            return 0;
        });
        return audit;
    }
    // ops resend cdr --cpo CC-PID --id X
    private static Command ResendCdr(CommandContext ctx)
    {
        var cpo = new Option<string>("--cpo") { Description = "The CPO that submitted the CDR (NL-ACM or NL-ACM-CPO)", Required = true };
        var id = new Option<string>("--id") { Description = "The CDR id", Required = true };
        var command = new Command("cdr", "Move a stored CDR to the head of its EMSP's CDR feed: SubscribeCdrs streams deliver it again") { cpo, id };
        command.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var response = await new OpsService.OpsServiceClient(channel).ResendCdrAsync(
                new ResendCdrRequest { Cpo = Cpo(r.GetValue(cpo)!), CdrId = r.GetValue(id)! }, deadline: CommandContext.Deadline, cancellationToken: ct);
            ctx.Printer(r).Message(response, ("outcome", response.Outcome));
            return 0;
        });
        return command;
    }

    // ops resend session --cpo CC-PID --id X
    private static Command ResendSession(CommandContext ctx)
    {
        var cpo = new Option<string>("--cpo") { Description = "The CPO that runs the session (NL-ACM or NL-ACM-CPO)", Required = true };
        var id = new Option<string>("--id") { Description = "The CPO's session id", Required = true };
        var command = new Command("session", "Publish a session's current state again on its EMSP's session feed: SubscribeSessions streams receive it") { cpo, id };
        command.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var response = await new OpsService.OpsServiceClient(channel).ResendSessionAsync(
                new ResendSessionRequest { Cpo = Cpo(r.GetValue(cpo)!), SessionId = r.GetValue(id)! }, deadline: CommandContext.Deadline, cancellationToken: ct);
            ctx.Printer(r).Message(response, ("outcome", response.Outcome));
            return 0;
        });
        return command;
    }

    // A CPO may be written without its role (NL-ACM): resends are always about a CPO's data.
    private static PartyRef Cpo(string text) =>
        CommandContext.ParseParty(text.Count(c => c == '-') == 1 ? text + "-CPO" : text, "--cpo");

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);
}
