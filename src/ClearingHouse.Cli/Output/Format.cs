using System.Globalization;
using ClearingHouse.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace ClearingHouse.Cli.Output;

/// <summary>Text forms of wire values for tables.</summary>
public static class Format
{
    /// <summary><c>NL-ABC-CPO</c>.</summary>
    public static string Party(PartyRef? party) => party is null ? "" :
        $"{party.CountryCode}-{party.PartyId}-{(party.Role == PartyRole.Cpo ? "CPO" : party.Role == PartyRole.Emsp ? "EMSP" : "?")}";

    /// <summary>ISO 8601 UTC, or empty.</summary>
    public static string Time(Timestamp? t) => t is null ? "" : t.ToDateTimeOffset().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Parses an ISO 8601 instant given on the command line.</summary>
    public static Timestamp ParseTime(string text, string option) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? Timestamp.FromDateTimeOffset(t)
            : throw new UsageException($"{option} '{text}' is not a date-time, for example 2026-01-01T00:00:00Z");
}
