using System.Globalization;
using ClearingHouse.Contracts.V1;

namespace ClearingHouse.Cli.Output;

/// <summary>
/// CDRs as CSV rows (RFC 4180: comma-separated, a field quoted when it holds a comma, quote or line break). Amounts
/// are the exact decimal strings the hub stores, not rounded; times are ISO 8601 UTC.
/// </summary>
public static class CdrCsv
{
    /// <summary>The header row.</summary>
    public const string Header = "cpo,cdr_id,emsp,start_date_time,end_date_time,currency,total_excl_vat,total_incl_vat,credit,credit_reference_id,tariff_id,price_check,hub_total_excl_vat,hub_total_incl_vat,received_at";

    /// <summary>One CDR's row, in the order of <see cref="Header"/>.</summary>
    public static string Row(Cdr cdr)
    {
        ArgumentNullException.ThrowIfNull(cdr);
        string[] cells =
        [
            Format.Party(cdr.Cpo), cdr.Id, Format.Party(cdr.Emsp), Format.Time(cdr.StartDateTime), Format.Time(cdr.EndDateTime),
            cdr.TotalCost?.Currency ?? "", cdr.TotalCost?.ExclVat ?? "", cdr.TotalCost?.InclVat ?? "",
            cdr.Credit ? "true" : "false", cdr.CreditReferenceId, cdr.TariffId,
            cdr.PriceCheck == PriceCheckStatus.Unspecified ? "" : Commands.TokensCommands.Name(cdr.PriceCheck.ToString()),
            cdr.HubPrice?.Total?.ExclVat ?? "", cdr.HubPrice?.Total?.InclVat ?? "", Format.Time(cdr.ReceivedAt),
        ];
        return string.Join(',', cells.Select(Quote));
    }

    private static string Quote(string cell) =>
        cell.AsSpan().IndexOfAny(",\"\r\n") < 0 ? cell : string.Create(CultureInfo.InvariantCulture, $"\"{cell.Replace("\"", "\"\"", StringComparison.Ordinal)}\"");
}
