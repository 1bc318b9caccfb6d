using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClearingHouse.Ocpi.Transport;

/// <summary>The one JSON setting of the OCPI edge: snake_case names, nulls left out, OCPI date-times.</summary>
public static class OcpiJson
{
    /// <summary>The serializer options for every OCPI body, in and out.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            // OCPI numbers are JSON numbers: "12" for an int is a bad field, not a number.
            NumberHandling = JsonNumberHandling.Strict,
            PropertyNameCaseInsensitive = false,
            MaxDepth = 32,
            // Bodies are JSON for machines, never embedded in HTML: a partner's message shows 'BROKEN', not \u0027BROKEN\u0027.
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        options.Converters.Add(new OcpiDateTimeConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>
    /// OCPI date-times: RFC 3339 in UTC. Written with a <c>Z</c> and whole seconds or milliseconds; read with a
    /// <c>Z</c>, a zero offset or no designator (which OCPI defines as UTC). Anything else fails the field.
    /// </summary>
    private sealed class OcpiDateTimeConverter : JsonConverter<DateTimeOffset>
    {
        private static readonly string[] Formats =
        [
            "yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'",
            "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF",
            "yyyy-MM-dd'T'HH:mm:sszzz", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz",
        ];

        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                throw new JsonException("must be an RFC 3339 date-time string in UTC");
            }

            var text = reader.GetString();
            if (text is null || text.Length > 30
                || !DateTimeOffset.TryParseExact(text, Formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
                || (text.Length > 19 && text[^6] is '+' or '-' && !text.EndsWith("00:00", StringComparison.Ordinal)))
            {
                throw new JsonException("must be an RFC 3339 date-time in UTC, e.g. 2026-01-31T12:00:00Z");
            }

            return value;
        }

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
        {
            var utc = value.UtcDateTime;
            writer.WriteStringValue(utc.Millisecond == 0
                ? utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
                : utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        }
    }
}
