using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ClearingHouse.Domain.Cdrs;

namespace ClearingHouse.Domain.Tariffs;

/// <summary>
/// The one codec of the hub's priced breakdown (<see cref="PricingResult"/>): the snake_case JSON stored beside each
/// priced CDR, written on the ingest hot path and read back by the CDR feed, lists and statements. Writer and reader
/// are one mapping kept side by side, by hand: the same text as <c>JsonSerializer</c> with <see cref="OcpiJson.Options"/>
/// (every property written), at a fraction of its cost. A property added to <see cref="PricingResult"/> is added to
/// both halves here.
/// </summary>
/// <remarks>
/// The writer emits UTF-8 bytes itself (<see cref="BreakdownWriter"/>) rather than through <see cref="Utf8JsonWriter"/>:
/// the property names are constants, so each is one copied fragment instead of a validated, escape-checked name, and a
/// decimal that fits in 64 bits is written from its integer digits and scale rather than through the general decimal
/// formatter. That was 1.3 us of the 1.4 us a flood CDR's breakdown cost (docs/performance.md, cdr-flood); anything the
/// fast paths do not cover (a string that needs escaping, a 96-bit decimal, a date) is written by the framework's own
/// code, so the text stays byte for byte what it was.
/// </remarks>
public static class PricingResultJson
{
    [ThreadStatic]
    private static BreakdownWriter? _writer;

    /// <summary>The JSON text of <paramref name="result"/>.</summary>
    public static string Serialize(PricingResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Serialize(result, null);
    }

    /// <summary>
    /// The JSON text of a CDR's breakdown with the hub's check of it (a <c>check</c> object after the breakdown's
    /// properties); with no <paramref name="result"/> (the tariff was not used) the text holds the check alone and
    /// <see cref="Deserialize"/> reads it as no breakdown.
    /// </summary>
    public static string Serialize(PricingResult? result, PriceCheckDetails? check)
    {
        if (result is null && check is null)
        {
            throw new ArgumentException("A breakdown or a check is required.", nameof(result));
        }

        var w = _writer ??= new BreakdownWriter();
        w.Reset();
        if (result is not null)
        {
            WriteResult(w, result);
        }

        if (check is not null)
        {
            WriteCheck(w, check, first: result is null);
        }

        w.Raw("}"u8);
        return w.ToText();
    }

    /// <summary>The hub's check stored beside a breakdown (<see cref="Serialize(PricingResult?, PriceCheckDetails?)"/>); null when there is none.</summary>
    /// <exception cref="JsonException">The text is not a stored breakdown.</exception>
    public static PriceCheckDetails? DeserializeCheck(string? json) => DeserializeWithCheck(json).Check;

    /// <summary>
    /// The stored breakdown and the hub's check beside it, in one pass over the text (a CDR read for a list or a feed
    /// needs both); either may be null.
    /// </summary>
    /// <exception cref="JsonException">The text is not a stored breakdown.</exception>
    public static (PricingResult? Price, PriceCheckDetails? Check) DeserializeWithCheck(string? json)
    {
        PriceCheckDetails? check = null;
        var price = Read(json, ref check, wantCheck: true);
        return (price, check);
    }

    private static void WriteResult(BreakdownWriter w, PricingResult result)
    {
        w.Raw("{\"currency\":"u8);
        w.String(result.Currency);
        Charge(w, ",\"energy\":{\"volume\":"u8, result.Energy);
        Charge(w, ",\"time\":{\"volume\":"u8, result.Time);
        Charge(w, ",\"parking_time\":{\"volume\":"u8, result.ParkingTime);
        Charge(w, ",\"flat\":{\"volume\":"u8, result.Flat);
        Charge(w, ",\"reservation\":{\"volume\":"u8, result.Reservation);
        w.Raw(",\"total_time\":"u8);
        w.Number(result.TotalTime);
        Cost(w, ",\"subtotal\":{\"excl_vat\":"u8, result.Subtotal);
        Cost(w, ",\"total\":{\"excl_vat\":"u8, result.Total);
        w.Raw(",\"min_price_applied\":"u8);
        w.Boolean(result.MinPriceApplied);
        w.Raw(",\"max_price_applied\":"u8);
        w.Boolean(result.MaxPriceApplied);
        w.Raw(",\"reservation_expired\":"u8);
        w.Boolean(result.ReservationExpired);
        w.Raw(",\"excl_vat_known\":"u8);
        w.Boolean(result.ExclVatKnown);
        w.Raw(",\"incl_vat_known\":"u8);
        w.Boolean(result.InclVatKnown);
        w.Raw(",\"time_zone\":"u8);
        w.String(result.TimeZone);
        w.Raw(",\"time_zone_note\":"u8);
        w.String(result.TimeZoneNote);
    }

    private static void WriteCheck(BreakdownWriter w, PriceCheckDetails check, bool first)
    {
        w.Raw(first ? "{\"check\":{\"verdict\":"u8 : ",\"check\":{\"verdict\":"u8);
        w.Number((int)check.Verdict);
        w.Raw(",\"tariff_id\":"u8);
        w.String(check.TariffId);
        if (check.TariffLastUpdated is { } at)
        {
            w.Raw(",\"tariff_last_updated\":"u8);
            w.Instant(at.ToUniversalTime());
        }

        w.Raw(",\"tariff_version_note\":"u8);
        w.String(check.TariffVersionNote);
        w.Raw(",\"note\":"u8);
        w.String(check.Note);
        w.Raw(",\"differences\":["u8);
        var differences = check.Differences;
        for (var i = 0; i < differences.Count; i++)
        {
            var d = differences[i];
            w.Raw(i == 0 ? "{\"component\":"u8 : ",{\"component\":"u8);
            w.Number((int)d.Component);
            w.Raw(",\"basis\":"u8);
            w.Number((int)d.Basis);
            w.Raw(",\"declared\":"u8);
            w.Number(d.Declared);
            w.Raw(",\"hub\":"u8);
            w.Number(d.Hub);
            w.Raw(",\"tolerance\":"u8);
            w.Number(d.Tolerance);
            w.Raw("}"u8);
        }

        w.Raw("]}"u8);
    }

    private static PriceCheckDetails ReadCheck(ref Utf8JsonReader r)
    {
        Start(ref r);
        var verdict = PriceCheckVerdict.Matched;
        string? tariffId = null, versionNote = null, note = null;
        DateTimeOffset? lastUpdated = null;
        var differences = new List<ComponentDifference>();
        while (NextProperty(ref r))
        {
            if (r.ValueTextEquals("verdict"u8)) { verdict = (PriceCheckVerdict)(int)ReadDecimal(ref r); }
            else if (r.ValueTextEquals("tariff_id"u8)) { tariffId = ReadString(ref r); }
            else if (r.ValueTextEquals("tariff_last_updated"u8)) { r.Read(); lastUpdated = r.GetDateTimeOffset(); }
            else if (r.ValueTextEquals("tariff_version_note"u8)) { versionNote = ReadString(ref r); }
            else if (r.ValueTextEquals("note"u8)) { note = ReadString(ref r); }
            else if (r.ValueTextEquals("differences"u8))
            {
                r.Read();
                while (r.Read() && r.TokenType == JsonTokenType.StartObject)
                {
                    differences.Add(ReadDifference(ref r));
                }
            }
            else { Skip(ref r); }
        }

        return new PriceCheckDetails
        {
            Verdict = verdict,
            TariffId = tariffId,
            TariffLastUpdated = lastUpdated,
            TariffVersionNote = versionNote,
            Note = note,
            Differences = differences,
        };
    }

    private static ComponentDifference ReadDifference(ref Utf8JsonReader r)
    {
        Start(ref r);
        CdrComponent component = default;
        AmountBasis basis = default;
        decimal declared = 0, hub = 0, tolerance = 0;
        while (NextProperty(ref r))
        {
            if (r.ValueTextEquals("component"u8)) { component = (CdrComponent)(int)ReadDecimal(ref r); }
            else if (r.ValueTextEquals("basis"u8)) { basis = (AmountBasis)(int)ReadDecimal(ref r); }
            else if (r.ValueTextEquals("declared"u8)) { declared = ReadDecimal(ref r); }
            else if (r.ValueTextEquals("hub"u8)) { hub = ReadDecimal(ref r); }
            else if (r.ValueTextEquals("tolerance"u8)) { tolerance = ReadDecimal(ref r); }
            else { Skip(ref r); }
        }

        return new ComponentDifference(component, basis, declared, hub, tolerance);
    }

    /// <summary>Reads a stored breakdown; null for null text or a check stored without one. Unknown properties are skipped.</summary>
    /// <exception cref="JsonException">The text is not a stored breakdown.</exception>
    public static PricingResult? Deserialize(string? json)
    {
        PriceCheckDetails? none = null;
        return Read(json, ref none, wantCheck: false);
    }

    private static PricingResult? Read(string? json, ref PriceCheckDetails? check, bool wantCheck)
    {
        if (json is null)
        {
            return null;
        }

        var max = Encoding.UTF8.GetMaxByteCount(json.Length);
        byte[]? rented = null;
        Span<byte> utf8 = max <= 1024 ? stackalloc byte[1024] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var reader = new Utf8JsonReader(utf8[..Encoding.UTF8.GetBytes(json, utf8)]);
            return ReadResult(ref reader, ref check, wantCheck);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static PricingResult? ReadResult(ref Utf8JsonReader r, ref PriceCheckDetails? check, bool wantCheck)
    {
        var checkOnly = false;
        Start(ref r);
        string? currency = null, timeZone = null, note = null;
        DimensionCharge energy = default, time = default, parking = default, flat = default, reservation = default;
        Cost subtotal = default, total = default;
        decimal totalTime = 0;
        bool minApplied = false, maxApplied = false, expired = false, exclKnown = true, inclKnown = true;
        while (NextProperty(ref r))
        {
            if (r.ValueTextEquals("currency"u8)) { currency = ReadString(ref r); }
            else if (r.ValueTextEquals("energy"u8)) { energy = ReadCharge(ref r); }
            else if (r.ValueTextEquals("time"u8)) { time = ReadCharge(ref r); }
            else if (r.ValueTextEquals("parking_time"u8)) { parking = ReadCharge(ref r); }
            else if (r.ValueTextEquals("flat"u8)) { flat = ReadCharge(ref r); }
            else if (r.ValueTextEquals("reservation"u8)) { reservation = ReadCharge(ref r); }
            else if (r.ValueTextEquals("total_time"u8)) { totalTime = ReadDecimal(ref r); }
            else if (r.ValueTextEquals("subtotal"u8)) { subtotal = ReadCost(ref r); }
            else if (r.ValueTextEquals("total"u8)) { total = ReadCost(ref r); }
            else if (r.ValueTextEquals("min_price_applied"u8)) { minApplied = ReadBoolean(ref r); }
            else if (r.ValueTextEquals("max_price_applied"u8)) { maxApplied = ReadBoolean(ref r); }
            else if (r.ValueTextEquals("reservation_expired"u8)) { expired = ReadBoolean(ref r); }
            else if (r.ValueTextEquals("excl_vat_known"u8)) { exclKnown = ReadBoolean(ref r); }
            else if (r.ValueTextEquals("incl_vat_known"u8)) { inclKnown = ReadBoolean(ref r); }
            else if (r.ValueTextEquals("time_zone"u8)) { timeZone = ReadString(ref r); }
            else if (r.ValueTextEquals("time_zone_note"u8)) { note = ReadString(ref r); }
            else if (r.ValueTextEquals("check"u8))
            {
                checkOnly = true;
                if (wantCheck)
                {
                    check = ReadCheck(ref r);
                }
                else
                {
                    Skip(ref r);
                }
            }
            else { Skip(ref r); }
        }

        if (currency is null && checkOnly)
        {
            return null; // a check without a breakdown: the tariff was not used
        }

        return new PricingResult
        {
            Currency = currency ?? throw new JsonException("The breakdown has no currency."),
            Energy = energy,
            Time = time,
            ParkingTime = parking,
            Flat = flat,
            Reservation = reservation,
            TotalTime = totalTime,
            Subtotal = subtotal,
            Total = total,
            MinPriceApplied = minApplied,
            MaxPriceApplied = maxApplied,
            ReservationExpired = expired,
            ExclVatKnown = exclKnown,
            InclVatKnown = inclKnown,
            TimeZone = timeZone,
            TimeZoneNote = note,
        };
    }

    private static DimensionCharge ReadCharge(ref Utf8JsonReader r)
    {
        Start(ref r);
        decimal volume = 0, billed = 0;
        Cost cost = default;
        while (NextProperty(ref r))
        {
            if (r.ValueTextEquals("volume"u8)) { volume = ReadDecimal(ref r); }
            else if (r.ValueTextEquals("billed_volume"u8)) { billed = ReadDecimal(ref r); }
            else if (r.ValueTextEquals("cost"u8)) { cost = ReadCost(ref r); }
            else { Skip(ref r); }
        }

        return new DimensionCharge(volume, billed, cost);
    }

    private static Cost ReadCost(ref Utf8JsonReader r)
    {
        Start(ref r);
        decimal exclVat = 0, inclVat = 0;
        while (NextProperty(ref r))
        {
            if (r.ValueTextEquals("excl_vat"u8)) { exclVat = ReadDecimal(ref r); }
            else if (r.ValueTextEquals("incl_vat"u8)) { inclVat = ReadDecimal(ref r); }
            else { Skip(ref r); }
        }

        return new Cost(exclVat, inclVat);
    }

    // Enters an object: the reader stands on its start (the whole text) or on the property naming it.
    private static void Start(ref Utf8JsonReader r)
    {
        if (r.TokenType != JsonTokenType.StartObject && (!r.Read() || r.TokenType != JsonTokenType.StartObject))
        {
            throw new JsonException($"Expected an object in the breakdown, found {r.TokenType}.");
        }
    }

    private static bool NextProperty(ref Utf8JsonReader r) =>
        r.Read() && r.TokenType == JsonTokenType.PropertyName;

    private static void Skip(ref Utf8JsonReader r)
    {
        r.Read();
        r.Skip();
    }

    private static string? ReadString(ref Utf8JsonReader r)
    {
        r.Read();
        return r.TokenType == JsonTokenType.Null ? null : r.GetString();
    }

    private static decimal ReadDecimal(ref Utf8JsonReader r)
    {
        r.Read();
        return r.TryGetDecimal(out var value) ? value : throw new JsonException(string.Create(CultureInfo.InvariantCulture, $"Expected a number in the breakdown, found {r.TokenType}."));
    }

    private static bool ReadBoolean(ref Utf8JsonReader r)
    {
        r.Read();
        return r.GetBoolean();
    }

    // A charge: its head fragment ends with "volume": (the name and the object's opening).
    private static void Charge(BreakdownWriter w, ReadOnlySpan<byte> head, DimensionCharge charge)
    {
        w.Raw(head);
        w.Number(charge.Volume);
        w.Raw(",\"billed_volume\":"u8);
        w.Number(charge.BilledVolume);
        Cost(w, ",\"cost\":{\"excl_vat\":"u8, charge.Cost);
        w.Raw("}"u8);
    }

    // A cost: its head fragment ends with "excl_vat": (the name and the object's opening).
    private static void Cost(BreakdownWriter w, ReadOnlySpan<byte> head, Cost cost)
    {
        w.Raw(head);
        w.Number(cost.ExclVat);
        w.Raw(",\"incl_vat\":"u8);
        w.Number(cost.InclVat);
        w.Raw("}"u8);
    }
}
