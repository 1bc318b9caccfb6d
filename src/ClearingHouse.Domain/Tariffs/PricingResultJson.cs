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
/// (every property written), at a fraction of its cost (no reflection metadata walk, no boxed constructor arguments,
/// one reused buffer per thread). A property added to <see cref="PricingResult"/> is added to both halves here.
/// </summary>
public static class PricingResultJson
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? _writer;

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

        var buffer = _buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var w = _writer ??= new Utf8JsonWriter(buffer);
        w.Reset(buffer);
        w.WriteStartObject();
        if (result is not null)
        {
            WriteResult(w, result);
        }

        if (check is not null)
        {
            WriteCheck(w, check);
        }

        w.WriteEndObject();
        w.Flush();
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
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

    private static void WriteResult(Utf8JsonWriter w, PricingResult result)
    {
        w.WriteString("currency"u8, result.Currency);
        Charge(w, "energy"u8, result.Energy);
        Charge(w, "time"u8, result.Time);
        Charge(w, "parking_time"u8, result.ParkingTime);
        Charge(w, "flat"u8, result.Flat);
        Charge(w, "reservation"u8, result.Reservation);
        w.WriteNumber("total_time"u8, result.TotalTime);
        Cost(w, "subtotal"u8, result.Subtotal);
        Cost(w, "total"u8, result.Total);
        w.WriteBoolean("min_price_applied"u8, result.MinPriceApplied);
        w.WriteBoolean("max_price_applied"u8, result.MaxPriceApplied);
        w.WriteBoolean("reservation_expired"u8, result.ReservationExpired);
        w.WriteBoolean("excl_vat_known"u8, result.ExclVatKnown);
        w.WriteBoolean("incl_vat_known"u8, result.InclVatKnown);
        NullableString(w, "time_zone"u8, result.TimeZone);
        NullableString(w, "time_zone_note"u8, result.TimeZoneNote);
    }

    private static void WriteCheck(Utf8JsonWriter w, PriceCheckDetails check)
    {
        w.WriteStartObject("check"u8);
        w.WriteNumber("verdict"u8, (int)check.Verdict);
        NullableString(w, "tariff_id"u8, check.TariffId);
        if (check.TariffLastUpdated is { } at)
        {
            w.WriteString("tariff_last_updated"u8, at.ToUniversalTime());
        }

        NullableString(w, "tariff_version_note"u8, check.TariffVersionNote);
        NullableString(w, "note"u8, check.Note);
        w.WriteStartArray("differences"u8);
        foreach (var d in check.Differences)
        {
            w.WriteStartObject();
            w.WriteNumber("component"u8, (int)d.Component);
            w.WriteNumber("basis"u8, (int)d.Basis);
            w.WriteNumber("declared"u8, d.Declared);
            w.WriteNumber("hub"u8, d.Hub);
            w.WriteNumber("tolerance"u8, d.Tolerance);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
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

    private static void NullableString(Utf8JsonWriter w, ReadOnlySpan<byte> name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void Charge(Utf8JsonWriter w, ReadOnlySpan<byte> name, DimensionCharge charge)
    {
        w.WriteStartObject(name);
        w.WriteNumber("volume"u8, charge.Volume);
        w.WriteNumber("billed_volume"u8, charge.BilledVolume);
        Cost(w, "cost"u8, charge.Cost);
        w.WriteEndObject();
    }

    private static void Cost(Utf8JsonWriter w, ReadOnlySpan<byte> name, Cost cost)
    {
        w.WriteStartObject(name);
        w.WriteNumber("excl_vat"u8, cost.ExclVat);
        w.WriteNumber("incl_vat"u8, cost.InclVat);
        w.WriteEndObject();
    }
}
