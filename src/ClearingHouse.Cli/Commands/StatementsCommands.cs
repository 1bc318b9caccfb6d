using System.CommandLine;
using ClearingHouse.Cli.Output;
using ClearingHouse.Contracts.V1;

namespace ClearingHouse.Cli.Commands;

/// <summary><c>statements get|close|list|export</c>.</summary>
public static class StatementsCommands
{
    /// <summary>Builds the command group.</summary>
    public static Command Create(CommandContext ctx)
    {
        var statements = new Command("statements", "Settlement statements between a CPO and an EMSP");

        Option<string> Required(string name, string description) => new(name) { Description = description, Required = true };
        var cpo = Required("--cpo", "The CPO, e.g. NL-ABC-CPO");
        var emsp = Required("--emsp", "The EMSP, e.g. DE-XYZ-EMSP");
        var currency = Required("--currency", "ISO 4217 currency, e.g. EUR");
        var from = Required("--from", "Period start, inclusive, on CDR end time (ISO 8601 UTC)");
        var to = Required("--to", "Period end, exclusive (ISO 8601 UTC)");

        var get = new Command("get", "Show a statement: live from stored CDRs, or the closed one") { cpo, emsp, currency, from, to };
        get.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var response = await new SettlementService.SettlementServiceClient(channel).GetStatementAsync(
                new GetStatementRequest
                {
                    Cpo = CommandContext.ParseParty(r.GetValue(cpo)!, "--cpo"), Emsp = CommandContext.ParseParty(r.GetValue(emsp)!, "--emsp"),
                    Currency = r.GetValue(currency)!, From = Format.ParseTime(r.GetValue(from)!, "--from"), To = Format.ParseTime(r.GetValue(to)!, "--to"),
                },
                deadline: CommandContext.Deadline, cancellationToken: ct);
            Print(ctx.Printer(r), response, response.Statement);
            return 0;
        });

        var close = new Command("close", "Close a period into an immutable, numbered statement (idempotent)") { cpo, emsp, currency, from, to };
        close.SetAction(async (r, ct) =>
        {
            using var channel = ctx.Channel(r);
            var response = await new SettlementService.SettlementServiceClient(channel).CloseStatementAsync(
                new CloseStatementRequest
                {
                    Cpo = CommandContext.ParseParty(r.GetValue(cpo)!, "--cpo"), Emsp = CommandContext.ParseParty(r.GetValue(emsp)!, "--emsp"),
                    Currency = r.GetValue(currency)!, From = Format.ParseTime(r.GetValue(from)!, "--from"), To = Format.ParseTime(r.GetValue(to)!, "--to"),
                },
                deadline: CommandContext.Deadline, cancellationToken: ct);
            var printer = ctx.Printer(r);
            printer.Line(response.Created ? "closed now" : "already closed: the existing statement");
            Print(printer, response, response.Statement);
            return 0;
        });

        var listCpo = new Option<string?>("--cpo") { Description = "Only statements of this CPO" };
        var listEmsp = new Option<string?>("--emsp") { Description = "Only statements of this EMSP" };
        var pageSize = new Option<int>("--page-size") { Description = "Items per page (default 100, at most 1000)" };
        var pageToken = new Option<string?>("--page-token") { Description = "The next-page token printed by the previous page" };
        var list = new Command("list", "List closed statements you are a side of") { listCpo, listEmsp, pageSize, pageToken };
        list.SetAction(async (r, ct) =>
        {
            var request = new ListStatementsRequest { Page = new PageRequest { PageSize = r.GetValue(pageSize), PageToken = r.GetValue(pageToken) ?? "" } };
            if (r.GetValue(listCpo) is { } c)
            {
                request.Cpo = CommandContext.ParseParty(c, "--cpo");
            }

            if (r.GetValue(listEmsp) is { } e)
            {
                request.Emsp = CommandContext.ParseParty(e, "--emsp");
            }

            using var channel = ctx.Channel(r);
            var response = await new SettlementService.SettlementServiceClient(channel).ListStatementsAsync(request, deadline: CommandContext.Deadline, cancellationToken: ct);
            var printer = ctx.Printer(r);
            printer.Table(response, response.Statements, ["NUMBER", "CPO", "EMSP", "FROM", "TO", "CDRS", "DUE EXCL VAT", "DUE INCL VAT", "DISPUTED", "SHA-256"], s =>
            [
                s.Number.ToString(System.Globalization.CultureInfo.InvariantCulture), Format.Party(s.Cpo), Format.Party(s.Emsp), Format.Time(s.From), Format.Time(s.To),
                s.LineCount.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{Money(s.AmountDue.ExclVat, s.Currency)} {s.Currency}", $"{Money(s.AmountDue.InclVat, s.Currency)} {s.Currency}",
                s.Disputed.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), s.ContentHash,
            ]);
            if (response.Page?.NextPageToken is { Length: > 0 } next)
            {
                printer.Line($"next page: --page-token {next}");
            }

            return 0;
        });

        var number = new Argument<long>("number") { Description = "The closed statement's number" };
        var format = new Option<string>("--format") { Description = "csv (default; its SHA-256 is the statement's hash) or html (printable)", DefaultValueFactory = _ => "csv" };
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file (default: statement-<number>.<format>)" };
        var export = new Command("export", "Export a closed statement as CSV or printable HTML") { number, format, output };
        export.SetAction(async (r, ct) =>
        {
            var kind = r.GetValue(format)!.ToLowerInvariant() switch
            {
                "csv" => StatementFormat.Csv,
                "html" => StatementFormat.Html,
                var other => throw new UsageException($"--format '{other}' is not csv or html"),
            };
            var n = r.GetValue(number);
            var path = r.GetValue(output) ?? $"statement-{n}.{(kind == StatementFormat.Html ? "html" : "csv")}";
            using var channel = ctx.Channel(r);
            using var call = new SettlementService.SettlementServiceClient(channel).ExportStatement(
                new ExportStatementRequest { Number = n, Format = kind }, deadline: DateTime.UtcNow.AddMinutes(10), cancellationToken: ct);
            var temp = path + ".part";
            long bytes = 0;
            await using (var file = File.Create(temp))
            {
                while (await call.ResponseStream.MoveNext(ct))
                {
                    var chunk = call.ResponseStream.Current.Chunk;
                    chunk.WriteTo(file);
                    bytes += chunk.Length;
                }
            }

            File.Move(temp, path, overwrite: true);
            ctx.Printer(r).Line($"wrote {path} ({bytes} bytes)");
            return 0;
        });

        statements.Subcommands.Add(get);
        statements.Subcommands.Add(close);
        statements.Subcommands.Add(list);
        statements.Subcommands.Add(export);
        return statements;
    }

    private static void Print(Printer printer, Google.Protobuf.IMessage response, Statement s)
    {
        var cur = s.Currency;
        printer.Message(response,
            ("statement", s.Closed ? $"{s.Number} (closed {Format.Time(s.ClosedAt)} by {s.ClosedBy})" : "live (period open)"),
            ("cpo", Format.Party(s.Cpo)), ("emsp", Format.Party(s.Emsp)),
            ("period", $"{Format.Time(s.From)} to {Format.Time(s.To)}"),
            ("lines", s.LineCount.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("sha-256", s.ContentHash));
        if (printer.Json)
        {
            return;
        }

        printer.Line("");
        var rows = new (string Name, StatementSection Section)[]
        {
            ("charges", s.Charges), ("credits", s.Credits), ("payable", s.Payable), ("  adjustments", s.Adjustments), ("disputed", s.Disputed),
        };
        var header = new[] { "SECTION", "CDRS", "KWH", "CHARGING H", "PARKING H", "ENERGY", "TIME", "PARKING", "FLAT", "RESERVATION", "OTHER", "TOTAL EXCL VAT", "TOTAL INCL VAT" };
        printer.Table(response, rows, header, x =>
        [
            x.Name, x.Section.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), x.Section.EnergyKwh, x.Section.ChargingHours, x.Section.ParkingHours,
            Money(x.Section.Energy.ExclVat, cur), Money(x.Section.Time.ExclVat, cur), Money(x.Section.Parking.ExclVat, cur), Money(x.Section.Flat.ExclVat, cur),
            Money(x.Section.Reservation.ExclVat, cur), Money(x.Section.Other.ExclVat, cur), Money(x.Section.Total.ExclVat, cur), Money(x.Section.Total.InclVat, cur),
        ]);
        printer.Line($"amount due  {Money(s.AmountDue.ExclVat, cur)} {cur} excl. VAT, {Money(s.AmountDue.InclVat, cur)} {cur} incl. VAT (disputed CDRs not included)");
        if (s.Invoiced is { } invoiced && s.NotInvoiced is { } notInvoiced)
        {
            printer.Line($"invoiced    {s.InvoicedCount} CDRs, {Money(invoiced.ExclVat, cur)} {cur} excl. VAT, {Money(invoiced.InclVat, cur)} {cur} incl. VAT");
            printer.Line($"not invoiced {s.NotInvoicedCount} CDRs, {Money(notInvoiced.ExclVat, cur)} {cur} excl. VAT, {Money(notInvoiced.InclVat, cur)} {cur} incl. VAT");
        }

        printer.Line($"amounts rounded to {cur}'s minor unit, halves away from zero; exact values: --json, statements export");
    }

    // Where people read money: at the currency's minor unit (the wire, --json and exports keep exact values).
    private static string Money(string amount, string currency) => ClearingHouse.Domain.Settlement.MoneyDisplay.Format(amount, currency);
}
