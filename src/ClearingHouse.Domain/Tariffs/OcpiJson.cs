using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace ClearingHouse.Domain.Tariffs;

/// <summary>
/// Reads OCPI 2.2.1 (and OCPI 2.3 tariff) Tariff and CDR JSON into the <see cref="Tariff"/> and <see cref="Cdr"/> model.
/// Property names are snake_case, enum values SCREAMING_SNAKE_CASE as in OCPI. Unknown properties
/// (energy_mix, cdr_token, ...) are ignored; a missing required property, an explicit null where the
/// model does not allow one, or an unknown enum value throws <see cref="JsonException"/>.
/// Timestamps without an offset are read as UTC, as OCPI requires.
/// </summary>
public static class OcpiJson
{
    /// <summary>The serializer options used by this reader; also usable to write the model back as OCPI JSON.</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    /// <summary>Reads one OCPI Tariff object.</summary>
    /// <exception cref="JsonException">The JSON is not a readable tariff.</exception>
    public static Tariff ReadTariff(string json) =>
        JsonSerializer.Deserialize<Tariff>(json, Options) ?? throw new JsonException("The tariff JSON is null.");

    /// <summary>Reads one OCPI Tariff object from UTF-8 JSON.</summary>
    /// <exception cref="JsonException">The JSON is not a readable tariff.</exception>
    public static Tariff ReadTariff(Stream utf8Json) =>
        JsonSerializer.Deserialize<Tariff>(utf8Json, Options) ?? throw new JsonException("The tariff JSON is null.");

    /// <summary>Reads one OCPI CDR object: its session, charging periods and declared totals.</summary>
    /// <exception cref="JsonException">The JSON is not a readable CDR.</exception>
    public static Cdr ReadCdr(string json) =>
        JsonSerializer.Deserialize<Cdr>(json, Options) ?? throw new JsonException("The CDR JSON is null.");

    /// <summary>Reads one OCPI CDR object from UTF-8 JSON.</summary>
    /// <exception cref="JsonException">The JSON is not a readable CDR.</exception>
    public static Cdr ReadCdr(Stream utf8Json) =>
        JsonSerializer.Deserialize<Cdr>(utf8Json, Options) ?? throw new JsonException("The CDR JSON is null.");

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            RespectNullableAnnotations = true,
            NumberHandling = JsonNumberHandling.Strict,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseUpper, allowIntegerValues: false));
        options.Converters.Add(new UtcDateTimeOffsetConverter());
        options.MakeReadOnly();
        return options;
    }

    /// <summary>OCPI DateTime: ISO 8601, UTC; a value without offset or 'Z' is UTC, never machine-local.</summary>
    private sealed class UtcDateTimeOffsetConverter : JsonConverter<DateTimeOffset>
    {
        // More than any ISO 8601 timestamp with fractions and offset needs (UTF-8 bytes >= chars); longer text takes a string.
        private const int MaxStackChars = 64;

        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            // Ingest reads three timestamps per CDR: parse them from a stack copy of the text, not a string each.
            var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
            Span<char> buffer = stackalloc char[MaxStackChars];
            ReadOnlySpan<char> text = reader.TokenType == JsonTokenType.String && length <= MaxStackChars
                ? buffer[..reader.CopyString(buffer)]
                : reader.GetString();
            if (!DateTimeOffset.TryParse(
                    text,
                    CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
                    out var value))
            {
                throw new JsonException($"'{text.ToString()}' is not an OCPI DateTime.");
            }

            return value;
        }

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
    }
}

/// <summary>
/// Reads a tariff's <c>min_price</c> / <c>max_price</c> in either OCPI shape: 2.2.1 <c>Price</c>
/// (<c>excl_vat</c>, <c>incl_vat</c>) or 2.3 <c>PriceLimit</c> (<c>before_taxes</c>, <c>after_taxes</c>); mixing
/// the two shapes in one object is refused. Writes the 2.2.1 shape, which this reader reads back to the same value.
/// </summary>
internal sealed class PriceLimitJsonConverter : JsonConverter<Price>
{
    public override Price Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("A price limit must be an object.");
        }

        decimal? excl = null, incl = null;
        bool v221 = false, v23 = false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "excl_vat": excl = Number(ref reader, name, required: true); v221 = true; break;
                case "incl_vat": incl = Number(ref reader, name, required: false); v221 = true; break;
                case "before_taxes": excl = Number(ref reader, name, required: true); v23 = true; break;
                case "after_taxes": incl = Number(ref reader, name, required: false); v23 = true; break;
                default: reader.Skip(); break;
            }
        }

        if (v221 && v23)
        {
            throw new JsonException("A price limit has either excl_vat/incl_vat (OCPI 2.2.1) or before_taxes/after_taxes (OCPI 2.3), not both.");
        }

        return excl is { } value
            ? new Price { ExclVat = value, InclVat = incl }
            : throw new JsonException(v23 ? "A price limit needs before_taxes." : "A price limit needs excl_vat (or before_taxes).");
    }

    public override void Write(Utf8JsonWriter writer, Price value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteNumber("excl_vat", value.ExclVat);
        if (value.InclVat is { } incl)
        {
            writer.WriteNumber("incl_vat", incl);
        }

        writer.WriteEndObject();
    }

    private static decimal? Number(ref Utf8JsonReader reader, string name, bool required) => reader.TokenType switch
    {
        JsonTokenType.Number => reader.GetDecimal(),
        JsonTokenType.Null when !required => null,
        _ => throw new JsonException($"'{name}' of a price limit must be a number."),
    };
}
