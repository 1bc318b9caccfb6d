using System.CommandLine;
using System.Globalization;
using ClearingHouse.Cli.Output;
using ClearingHouse.Contracts.V1;

namespace ClearingHouse.Cli.Commands;

/// <summary><c>invoices submit|list|show</c>: invoice reconciliation records (OCPI 2.3 InvoiceReconciliationRecord with amounts).</summary>
public static class InvoicesCommands
{
    /// <summary>Builds the command group.</summary>
    public static Command Create(CommandContext ctx)
    {
        var invoices = new Command("invoices", "Invoice reconciliation: the CPO (or the EMSP, reverse billing) lists the CDRs an invoice covers; the hub checks each");

        var file = new Argument<FileInfo>("file") { Description = "An InvoiceReconciliationRecord in protobuf JSON (see protos/clearinghouse/v1/invoices.proto)" };
        var submit = new Command("submit", "Submit an invoice record; the hub answers per line, and stores it only when every line and total passes") { file };
        submit.SetAction(async (r, ct) =>
        {
            var record = ProtoJsonFile.Read<InvoiceReconciliationRecord>(r.GetValue(file)!, "an invoice record");
            using var channel = ctx.Channel(r);
            var response = await new InvoiceService.InvoiceServiceClient(channel).SubmitInvoiceAsync(
                new SubmitInvoiceRequest { Record = record }, deadline: CommandContext.Deadline, cancellationToken: ct);
            var printer = ctx.Printer(r);
            printer.Table(response, response.Lines, ["LINE", "CDR", "STATUS", "REASONS"], l =>
            [
                l.Index.ToString(CultureInfo.InvariantCulture), l.CdrId, Name(l.Status),
                string.Join("; ", l.Reasons.Select(reason => $"{reason.Field}: {reason.Description}")),
            ]);
            foreach (var problem in response.Totals)
            {
                printer.Line($"{problem.Field}: {problem.Description}");
            }

            // The hub's own price beside what is invoiced: each line that differs from it, then the sums per currency.
            foreach (var line in response.Lines.Where(l => l.Difference is { } d && (Nonzero(d.ExclVat) || Nonzero(d.InclVat))))
            {
                printer.Line($"hub price cdrs[{line.Index}] {line.CdrId} {line.PriceCheck}: invoiced {Sum(line.HubAmount.ExclVat, line.Difference.ExclVat)}/{Sum(line.HubAmount.InclVat, line.Difference.InclVat)}, hub {line.HubAmount.ExclVat}/{line.HubAmount.InclVat}, difference {Signed(line.Difference.ExclVat)}/{Signed(line.Difference.InclVat)} {line.HubAmount.Currency}{(line.WithinTolerance ? " (within tolerance)" : "")}");
            }

            foreach (var c in response.HubComparison)
            {
                printer.Line($"hub price {c.Currency}: invoiced {c.Invoiced.ExclVat}/{c.Invoiced.InclVat}, hub {c.Hub.ExclVat}/{c.Hub.InclVat}, difference {Signed(c.Difference.ExclVat)}/{Signed(c.Difference.InclVat)}{(c.UnpricedLines > 0 ? $"; {c.UnpricedLines} lines not priced by the hub" : "")}");
            }

            var refused = response.Lines.Count(l => l.Status == InvoiceLineStatus.Refused);
            printer.Line(response.Reconciled
                ? $"reconciled: invoice {response.Record.Number}{(response.Created ? "" : " (stored before)")}, {Totals(response.Record)}"
                : $"refused: nothing stored ({refused} of {response.Lines.Count} lines refused, {response.Totals.Count} totals refused)");
            // A refused record fails the command, so a script notices; nothing was stored, so sending it again after a fix is safe.
            return response.Reconciled ? 0 : 1;
        });

        var cpo = new Option<string?>("--cpo") { Description = "Only records of this CPO" };
        var emsp = new Option<string?>("--emsp") { Description = "Only records of this EMSP" };
        var pageSize = new Option<int>("--page-size") { Description = "Items per page (default 100, at most 1000)" };
        var pageToken = new Option<string?>("--page-token") { Description = "The next-page token printed by the previous page" };
        var list = new Command("list", "List stored invoice records you are owner or counterparty of") { cpo, emsp, pageSize, pageToken };
        list.SetAction(async (r, ct) =>
        {
            var request = new ListInvoicesRequest { Page = new PageRequest { PageSize = r.GetValue(pageSize), PageToken = r.GetValue(pageToken) ?? "" } };
            if (r.GetValue(cpo) is { } c)
            {
                request.Cpo = CommandContext.ParseParty(c, "--cpo");
            }

            if (r.GetValue(emsp) is { } e)
            {
                request.Emsp = CommandContext.ParseParty(e, "--emsp");
            }

            using var channel = ctx.Channel(r);
            var response = await new InvoiceService.InvoiceServiceClient(channel).ListInvoicesAsync(request, deadline: CommandContext.Deadline, cancellationToken: ct);
            var printer = ctx.Printer(r);
            printer.Table(response, response.Records, ["NUMBER", "OWNER", "ID", "INVOICE", "COUNTERPARTY", "CDRS", "TOTALS", "STATEMENT", "RECEIVED"], i =>
            [
                i.Number.ToString(CultureInfo.InvariantCulture), Format.Party(i.Owner), i.Id, i.InvoiceId, Format.Party(i.Counterparty),
                i.Cdrs.Count.ToString(CultureInfo.InvariantCulture), Totals(i), i.StatementNumber == 0 ? "" : i.StatementNumber.ToString(CultureInfo.InvariantCulture),
                Format.Time(i.ReceivedAt),
            ]);
            if (response.Page?.NextPageToken is { Length: > 0 } next)
            {
                printer.Line($"next page: --page-token {next}");
            }

            return 0;
        });

        var number = new Argument<long>("number") { Description = "The record's hub number" };
        var show = new Command("show", "Show one stored invoice record with its CDRs") { number };
        show.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var response = await new InvoiceService.InvoiceServiceClient(channel).GetInvoiceAsync(
                new GetInvoiceRequest { Number = r.GetValue(number) }, deadline: CommandContext.Deadline, cancellationToken: ct);
            var i = response.Record;
            var printer = ctx.Printer(r);
            printer.Message(response,
                ("invoice", i.Number.ToString(CultureInfo.InvariantCulture)),
                ("owner", $"{Format.Party(i.Owner)} ({(i.Owner.Role == PartyRole.Cpo ? "direct billing" : "reverse billing")})"),
                ("id", i.Id), ("invoice id", i.InvoiceId), ("counterparty", Format.Party(i.Counterparty)),
                ("statement", i.StatementNumber == 0 ? "" : i.StatementNumber.ToString(CultureInfo.InvariantCulture)),
                ("totals", Totals(i)), ("last updated", Format.Time(i.LastUpdated)), ("received", Format.Time(i.ReceivedAt)));
            printer.Line("");
            // Each line beside the hub's own price of its CDR (read now from the stored CDR): blank when the hub did not price it.
            var prices = response.Lines.ToDictionary(l => l.Index);
            printer.Table(response, i.Cdrs.Select((l, n) => (Line: l, Price: prices.GetValueOrDefault(n))), ["CDR", "EXCL VAT", "INCL VAT", "CURRENCY", "CHECK", "HUB EXCL VAT", "HUB INCL VAT", "DIFFERENCE", "TOLERANCE"], x =>
            [
                x.Line.CdrId, x.Line.Amount.ExclVat, x.Line.Amount.InclVat, x.Line.Amount.Currency, x.Price?.PriceCheck ?? "",
                x.Price?.HubAmount?.ExclVat ?? "", x.Price?.HubAmount?.InclVat ?? "",
                x.Price?.Difference is { } d ? $"{Signed(d.ExclVat)}/{Signed(d.InclVat)}" : "",
                x.Price?.HubAmount is null ? "" : x.Price.WithinTolerance ? "within" : "beyond",
            ]);
            return 0;
        });

        invoices.Subcommands.Add(submit);
        invoices.Subcommands.Add(list);
        invoices.Subcommands.Add(show);
        return invoices;
    }

    private static string Totals(InvoiceReconciliationRecord record) =>
        string.Join(", ", record.Totals.Select(t => $"{t.ExclVat}/{t.InclVat} {t.Currency}"));

    private static decimal Dec(string text) => decimal.Parse(text, NumberStyles.Number, CultureInfo.InvariantCulture);

    private static bool Nonzero(string text) => Dec(text) != 0;

    private static string Signed(string text) => Dec(text) > 0 ? "+" + text : text;

    private static string Sum(string a, string b) => (Dec(a) + Dec(b)).ToString(CultureInfo.InvariantCulture);

    private static string Name(InvoiceLineStatus status) => status.ToString().ToUpperInvariant();
}
