using System.Globalization;
using ClearingHouse.Application;
using ClearingHouse.Application.Settlement;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Settlement;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace ClearingHouse.OperatorConsole.Pages;

/// <summary>Statements: preview a period, close it with a reason, list and export closed ones.</summary>
public sealed class StatementsModel : ConsolePage
{
    /// <summary>The CPO (filter and period).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Cpo { get; set; }

    /// <summary>The EMSP (filter and period).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Emsp { get; set; }

    /// <summary>The period's currency.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Currency { get; set; }

    /// <summary>The period's start (UTC).</summary>
    [BindProperty(SupportsGet = true)]
    public string? From { get; set; }

    /// <summary>The period's end (UTC, exclusive).</summary>
    [BindProperty(SupportsGet = true)]
    public string? To { get; set; }

    /// <summary>The period as it stands, when one is asked for.</summary>
    public StatementView? Preview { get; private set; }

    /// <summary>One page of closed statements.</summary>
    public Page<StatementView>? Closed { get; private set; }

    /// <summary>Lists closed statements (from <paramref name="number"/> when given) and previews the period when one is given.</summary>
    public async Task OnGetAsync(string? after, long? number, int? size, CancellationToken cancellationToken)
    {
        var flow = Core<StatementFlow>();
        if (number is { } n)
        {
            after = (n - 1).ToString(CultureInfo.InvariantCulture);
        }

        Closed = await flow.ListAsync(Caller, Party(Cpo, "cpo"), Party(Emsp, "emsp"), after, PageSize(size), cancellationToken);
        if (!string.IsNullOrWhiteSpace(From) || !string.IsNullOrWhiteSpace(To))
        {
            Preview = await flow.GetAsync(Caller, Key(), cancellationToken);
        }
    }

    /// <summary>Closes the period (idempotent; the core audits it with the reason).</summary>
    public async Task<IActionResult> OnPostCloseAsync(string? reason, CancellationToken cancellationToken)
    {
        var (view, created) = await Core<StatementFlow>().CloseAsync(Caller, Key(), cancellationToken, Reason(reason));
        var back = $"/statements?cpo={Uri.EscapeDataString(Cpo!)}&emsp={Uri.EscapeDataString(Emsp!)}&currency={Uri.EscapeDataString(Currency!)}&from={Uri.EscapeDataString(From!)}&to={Uri.EscapeDataString(To!)}";
        return Done(created ? $"closed into statement {view.Closed!.Number}" : $"already closed as statement {view.Closed!.Number}", back);
    }

    /// <summary>Exports a closed statement as CSV or HTML (a download).</summary>
    public async Task<IActionResult> OnGetExportAsync(long? number, string? format, CancellationToken cancellationToken)
    {
        var kind = format?.ToUpperInvariant() switch
        {
            "CSV" => StatementExportFormat.Csv,
            "HTML" => StatementExportFormat.Html,
            _ => throw new HubException(HubErrorCode.InvalidArgument, "format must be csv or html", "format"),
        };
        var flow = Core<StatementFlow>();
        // Writes start only after the core found the statement, so a refusal is still a page with its message.
        var started = false;
        await flow.ExportAsync(Caller, number ?? 0, kind, async (text, ct) =>
        {
            if (!started)
            {
                started = true;
                Response.ContentType = kind == StatementExportFormat.Csv ? "text/csv; charset=utf-8" : "text/html; charset=utf-8";
                Response.Headers.ContentDisposition = $"attachment; filename=statement-{number}.{(kind == StatementExportFormat.Csv ? "csv" : "html")}";
            }

            await Response.WriteAsync(text, ct);
        }, cancellationToken);
        return new EmptyResult();
    }

    private StatementKey Key()
    {
        var cpo = RequiredParty(Cpo, "cpo");
        var emsp = RequiredParty(Emsp, "emsp");
        if (string.IsNullOrWhiteSpace(Currency))
        {
            throw new HubException(HubErrorCode.InvalidArgument, "currency is required", "currency");
        }

        return new StatementKey(cpo, emsp, Currency.Trim().ToUpperInvariant(), Time(From, "from"), Time(To, "to"));
    }

    private static DateTimeOffset Time(string? text, string field) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at) ? at
        : throw new HubException(HubErrorCode.InvalidArgument, $"{field} must be a UTC time such as 2026-12-01T00:00:00Z", field);
}
