using System.CommandLine;
using System.Text.Json;
using ClearingHouse.Cli.Output;
using ClearingHouse.Contracts.V1;
using Google.Protobuf;

namespace ClearingHouse.Cli.Commands;

/// <summary><c>cdrs submit|get|list|watch</c>.</summary>
public static class CdrsCommands
{
    private const int BatchSize = 500;

    /// <summary>Builds the command group.</summary>
    public static Command Create(CommandContext ctx)
    {
        var cdrs = new Command("cdrs", "Charge Detail Records (OCPI 2.2.1 CDR JSON)");

        var files = new Argument<string[]>("files") { Description = "OCPI CDR JSON files: each one CDR object or an array of them", Arity = ArgumentArity.OneOrMore };
        var submit = new Command("submit", "Submit CDRs (CPO); every CDR is acknowledged on its own: ACCEPTED, DUPLICATE or REJECTED") { files };
        submit.SetAction(async (r, ct) =>
        {
            var documents = new List<(string Source, string Json)>();
            foreach (var file in r.GetValue(files)!)
            {
                documents.AddRange(Split(file, TariffsCommands.ReadFile(file)));
            }

            using var channel = ctx.Channel(r);
            var client = new CdrService.CdrServiceClient(channel);
            var response = new SubmitCdrBatchResponse();
            var rows = new List<(string Source, CdrAck Ack)>();
            for (var offset = 0; offset < documents.Count; offset += BatchSize)
            {
                var batch = documents.Skip(offset).Take(BatchSize).ToList();
                var request = new SubmitCdrBatchRequest();
                request.Cdrs.AddRange(batch.Select(d => d.Json));
                var acks = await client.SubmitCdrBatchAsync(request, deadline: CommandContext.Deadline, cancellationToken: ct);
                response.Acks.AddRange(acks.Acks);
                rows.AddRange(acks.Acks.Select(a => (batch[a.Index].Source, a)));
            }

            var printer = ctx.Printer(r);
            printer.Table(response, rows, ["SOURCE", "CDR", "STATUS", "PRICE CHECK", "HUB TOTAL", "TIME ZONE", "REASONS"], x =>
            [
                x.Source,
                x.Ack.CdrId,
                x.Ack.Status.ToString().ToUpperInvariant(),
                x.Ack.PriceCheck == PriceCheckStatus.Unspecified ? "" : TokensCommands.Name(x.Ack.PriceCheck.ToString()),
                x.Ack.HubTotalCost is { } t ? $"{t.ExclVat}/{t.InclVat} {t.Currency}" : "",
                x.Ack.TimeZone,
                string.Join("; ", x.Ack.Reasons.Select(reason => $"{reason.Field} {reason.Description}".Trim())),
            ]);
            var counts = response.Acks.GroupBy(a => a.Status).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}");
            printer.Line(string.Join(", ", counts));
            foreach (var note in response.Acks.Where(a => a.TimeZoneNote.Length > 0).GroupBy(a => a.TimeZoneNote).Select(g => $"time zone: {g.Key} ({g.Count()} CDR{(g.Count() == 1 ? "" : "s")})"))
            {
                printer.Line(note);
            }

            // A flagged CDR says why, figure by figure: what the CPO declared against what the hub computed.
            foreach (var ack in response.Acks.Where(a => a.Differences.Count > 0 || a.PriceCheckNote.Length > 0))
            {
                printer.Line($"{ack.CdrId} {TokensCommands.Name(ack.PriceCheck.ToString())}: {Flag(ack.Differences, ack.PriceCheckNote)}");
            }

            // Any REJECTED CDR fails the command, so a script notices; the others are stored, and sending the whole
            // file again after a fix is safe (what is stored comes back DUPLICATE).
            return response.Acks.Any(a => a.Status == CdrAckStatus.Rejected) ? 1 : 0;
        });

        var getId = new Argument<string>("cdr-id") { Description = "The CDR id" };
        var getCpo = new Option<string?>("--cpo") { Description = "The CPO that submitted it, e.g. NL-ABC-CPO (a CPO may omit it)" };
        var get = new Command("get", "Show one CDR with the hub's price check") { getId, getCpo };
        get.SetAction(async (r, ct) =>
        {
            var request = new GetCdrRequest { CdrId = r.GetValue(getId)! };
            if (r.GetValue(getCpo) is { } c)
            {
                request.Cpo = CommandContext.ParseParty(c, "--cpo");
            }

            using var channel = ctx.Channel(r);
            var response = await new CdrService.CdrServiceClient(channel).GetCdrAsync(request, deadline: CommandContext.Deadline, cancellationToken: ct);
            var cdr = response.Cdr;
            var printer = ctx.Printer(r);
            printer.Message(response,
                ("cdr", cdr.Id), ("cpo", Format.Party(cdr.Cpo)), ("emsp", Format.Party(cdr.Emsp)),
                ("start", Format.Time(cdr.StartDateTime)), ("end", Format.Time(cdr.EndDateTime)),
                ("total cost", $"{cdr.TotalCost.ExclVat} / {cdr.TotalCost.InclVat} {cdr.TotalCost.Currency} (declared, excl. / incl. VAT)"),
                ("credit", cdr.Credit ? $"yes, corrects {cdr.CreditReferenceId}" : "no"),
                ("tariff", cdr.TariffId),
                ("price check", TokensCommands.Name(cdr.PriceCheck.ToString())),
                ("differences", Flag(cdr.Differences, cdr.PriceCheckNote)),
                ("received", Format.Time(cdr.ReceivedAt)));
            if (!printer.Json && cdr.HubPrice is { } hub)
            {
                printer.Line("hub price:");
                TariffsCommands.PrintBreakdown(printer, hub);
            }

            return 0;
        });

        var filter = new ListFilter();
        var pageSize = new Option<int>("--page-size") { Description = "Items per page (default 100, at most 1000)" };
        var pageToken = new Option<string?>("--page-token") { Description = "The next-page token printed by the previous page" };
        var list = new Command("list", "List CDRs you may see, by end time (a CPO its own, an EMSP its tokens')") { pageSize, pageToken };
        filter.AddTo(list);
        list.SetAction(async (r, ct) =>
        {
            var request = filter.Request(r);
            request.Page = new PageRequest { PageSize = r.GetValue(pageSize), PageToken = r.GetValue(pageToken) ?? "" };
            using var channel = ctx.Channel(r);
            var response = await new CdrService.CdrServiceClient(channel).ListCdrsAsync(request, deadline: CommandContext.Deadline, cancellationToken: ct);
            var printer = ctx.Printer(r);
            printer.Table(response, response.Cdrs, ["CPO", "CDR", "EMSP", "END", "TOTAL", "PRICE CHECK", "HUB TOTAL"], x =>
            [
                Format.Party(x.Cpo), x.Id, Format.Party(x.Emsp), Format.Time(x.EndDateTime),
                $"{x.TotalCost.ExclVat} {x.TotalCost.Currency}", TokensCommands.Name(x.PriceCheck.ToString()),
                x.HubPrice is { } h ? $"{h.Total.ExclVat} {h.Currency}" : "",
            ]);
            if (response.Page?.NextPageToken is { Length: > 0 } next)
            {
                printer.Line($"next page: --page-token {next}");
            }

            return 0;
        });

        var exportFilter = new ListFilter();
        var outputFile = new Option<FileInfo?>("--output", "-o") { Description = "Write the CSV to this file (default: standard output)" };
        var exportPageSize = new Option<int>("--page-size") { Description = "CDRs fetched per call (default 1000, the most the hub gives)", DefaultValueFactory = _ => 1000 };
        var export = new Command("export", "Export every CDR you may see as CSV (RFC 4180, a header row; amounts exact, as stored), following all pages") { outputFile, exportPageSize };
        exportFilter.AddTo(export);
        export.SetAction(async (r, ct) =>
        {
            var request = exportFilter.Request(r);
            request.Page = new PageRequest { PageSize = r.GetValue(exportPageSize) };
            using var channel = ctx.Channel(r);
            var client = new CdrService.CdrServiceClient(channel);
            var target = r.GetValue(outputFile);
            await using var writer = target is null ? null : new StreamWriter(target.FullName);
            var csv = writer ?? ctx.Output;
            await csv.WriteLineAsync(CdrCsv.Header);
            var count = 0;
            while (true)
            {
                var page = await client.ListCdrsAsync(request, deadline: CommandContext.Deadline, cancellationToken: ct);
                foreach (var cdr in page.Cdrs)
                {
                    await csv.WriteLineAsync(CdrCsv.Row(cdr));
                    count++;
                }

                if (page.Page?.NextPageToken is not { Length: > 0 } next)
                {
                    break;
                }

                request.Page = new PageRequest { PageSize = r.GetValue(exportPageSize), PageToken = next };
            }

            if (target is not null)
            {
                ctx.Printer(r).Line($"{count} CDRs written to {target.FullName}");
            }

            return 0;
        });

        var cursor = new Option<string?>("--cursor") { Description = "Resume right after this cursor (printed with every batch)" };
        var fromBeginning = new Option<bool>("--from-beginning") { Description = "Without --cursor: every stored CDR first, then live" };
        var max = new Option<int>("--max-cdrs") { Description = "Stop after this many CDRs (default: run until Ctrl+C)" };
        var watch = new Command("watch", "Receive the CDRs of your tokens as the hub stores them (EMSP)") { cursor, fromBeginning, max };
        watch.SetAction(async (r, ct) =>
        {
            var request = new SubscribeCdrsRequest { ResumeCursor = r.GetValue(cursor) ?? "", FromBeginning = r.GetValue(fromBeginning) };
            var limit = r.GetValue(max);
            var printer = ctx.Printer(r);
            using var channel = ctx.Channel(r);
            using var call = new CdrService.CdrServiceClient(channel).SubscribeCdrs(request, cancellationToken: ct);
            return await StreamWatch.RunAsync(call.ResponseStream, printer, limit, static m => m.Events.Count, m =>
            {
                if (m.Events.Count == 0)
                {
                    printer.Line($"subscribed; cursor {m.Cursor}");
                    return;
                }

                foreach (var e in m.Events)
                {
                    var x = e.Cdr;
                    var delay = DateTime.UtcNow - x.ReceivedAt.ToDateTime();
                    printer.Line($"{Format.Party(x.Cpo)} {x.Id} end {Format.Time(x.EndDateTime)} {x.TotalCost.ExclVat} {x.TotalCost.Currency} " +
                        $"{TokensCommands.Name(x.PriceCheck.ToString())}{(x.HubPrice is { } h ? $" hub {h.Total.ExclVat}" : "")} (+{delay.TotalMilliseconds:0} ms since stored)");
                }

                printer.Line($"cursor {m.Cursor}");
            }, ct);
        });

        cdrs.Subcommands.Add(submit);
        cdrs.Subcommands.Add(get);
        cdrs.Subcommands.Add(list);
        cdrs.Subcommands.Add(export);
        cdrs.Subcommands.Add(watch);
        return cdrs;
    }

    // The filters list and export share.
    private sealed class ListFilter
    {
        private readonly Option<string?> _cpo = new("--cpo") { Description = "Only CDRs of this CPO" };
        private readonly Option<string?> _emsp = new("--emsp") { Description = "Only CDRs of this EMSP" };
        private readonly Option<string?> _from = new("--from") { Description = "Only CDRs ending at or after (ISO 8601 UTC)" };
        private readonly Option<string?> _to = new("--to") { Description = "Only CDRs ending before (ISO 8601 UTC)" };

        public void AddTo(Command command)
        {
            command.Options.Add(_cpo);
            command.Options.Add(_emsp);
            command.Options.Add(_from);
            command.Options.Add(_to);
        }

        public ListCdrsRequest Request(ParseResult r)
        {
            var request = new ListCdrsRequest();
            if (r.GetValue(_cpo) is { } c)
            {
                request.Cpo = CommandContext.ParseParty(c, "--cpo");
            }

            if (r.GetValue(_emsp) is { } e)
            {
                request.Emsp = CommandContext.ParseParty(e, "--emsp");
            }

            if (r.GetValue(_from) is { } f)
            {
                request.From = Format.ParseTime(f, "--from");
            }

            if (r.GetValue(_to) is { } t)
            {
                request.To = Format.ParseTime(t, "--to");
            }

            return request;
        }
    }

    // A file holds one CDR object or an array of CDR objects; each is sent as its own JSON text.
    private static IEnumerable<(string Source, string Json)> Split(string file, string text)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            // Let the hub say what is wrong with it, per CDR.
            return [(file, text)];
        }

        using (document)
        {
            return document.RootElement.ValueKind == JsonValueKind.Array
                ? document.RootElement.EnumerateArray().Select((e, i) => ($"{file}[{i}]", e.GetRawText())).ToList()
                : [(file, text)];
        }
    }

    /// <summary>Each differing figure (declared vs hub) and the check's note, on one line.</summary>
    internal static string Flag(IEnumerable<PriceDifference> differences, string note) =>
        string.Join("; ", differences.Select(d => $"{d.Field} declared {d.Declared} hub {d.Hub}").Append(note).Where(p => p.Length > 0));
}
