using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ClearingHouse.Domain.Tariffs;

namespace ClearingHouse.Domain.Settlement;

/// <summary>
/// The canonical CSV of a statement: a header, then one line per CDR in statement order, "\n" line ends, UTF-8,
/// amounts exactly as summed (invariant culture, scale kept). The content hash of a closed statement is the
/// SHA-256 of exactly these bytes, so <c>sha256sum statement.csv</c> checks an export.
/// </summary>
public static class StatementCsv
{
    /// <summary>The header line (no line end).</summary>
    public const string Header =
        "line,kind,cdr_id,start_date_time,end_date_time,energy_kwh,charging_hours,parking_hours," +
        "energy_excl_vat,energy_incl_vat,time_excl_vat,time_incl_vat,parking_excl_vat,parking_incl_vat," +
        "flat_excl_vat,flat_incl_vat,reservation_excl_vat,reservation_incl_vat,other_excl_vat,other_incl_vat," +
        "total_excl_vat,total_incl_vat,credit_reference_id,price_check,hub_total_excl_vat,adjustment_of,dispute_state";

    /// <summary>One line (no line end) for the <paramref name="lineNumber"/>-th line (1-based).</summary>
    public static string Line(long lineNumber, StatementLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var c = line.Components;
        var sb = new StringBuilder(256);
        sb.Append(lineNumber.ToString(CultureInfo.InvariantCulture)).Append(',')
            .Append(line.KindText).Append(',')
            .Append(Escape(line.CdrId)).Append(',')
            .Append(Time(line.Start)).Append(',')
            .Append(Time(line.End)).Append(',');
        foreach (var v in (ReadOnlySpan<decimal>)[line.EnergyKwh, line.ChargingHours, line.ParkingHours])
        {
            sb.Append(StatementLine.Text(v)).Append(',');
        }

        foreach (var cost in (ReadOnlySpan<Cost>)[c.Energy, c.Time, c.Parking, c.Flat, c.Reservation, c.Other, line.Total])
        {
            sb.Append(StatementLine.Text(cost.ExclVat)).Append(',').Append(StatementLine.Text(cost.InclVat)).Append(',');
        }

        sb.Append(Escape(line.CreditReferenceId ?? "")).Append(',')
            .Append(line.PriceCheck).Append(',')
            .Append(line.HubTotalExclVat is { } hub ? StatementLine.Text(hub) : "").Append(',')
            .Append(line.AdjustmentOf?.ToString(CultureInfo.InvariantCulture) ?? "").Append(',')
            .Append(line.DisputeState ?? "");
        return sb.ToString();
    }

    /// <summary>A CSV field: quoted when it holds a comma, quote or line break.</summary>
    public static string Escape(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

/// <summary>SHA-256 over the canonical CSV, fed line by line so a large statement never sits in memory.</summary>
public sealed class StatementHasher : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>Starts with the header line.</summary>
    public StatementHasher() => Append(StatementCsv.Header);

    /// <summary>Adds one CSV line (a "\n" is appended).</summary>
    public void Append(string csvLine)
    {
        ArgumentNullException.ThrowIfNull(csvLine);
        _hash.AppendData(Encoding.UTF8.GetBytes(csvLine));
        _hash.AppendData("\n"u8);
    }

    /// <summary>The lower-case hex digest.</summary>
    public string Finish() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    /// <inheritdoc />
    public void Dispose() => _hash.Dispose();
}
