using System.Globalization;
using ClearingHouse.Contracts.V1;

namespace ClearingHouse.LoadTests.Scenarios.Shared;

/// <summary>
/// The tariff the CDR scenarios publish and the OCPI CDR JSON they submit: a 12 kWh, 1 h session
/// priced at 4.70 excl. VAT / 5.687 incl. VAT by that tariff, so the hub's re-pricing MATCHES.
/// </summary>
public static class CdrTemplates
{
    /// <summary>The tariff id the CDRs reference.</summary>
    public const string TariffId = "FLOOD";

    /// <summary>The tariff, as OCPI JSON for <c>TariffService.PutTariff</c>.</summary>
    public const string Tariff = """
        { "id": "FLOOD", "currency": "EUR",
          "elements": [ { "price_components": [
            { "type": "FLAT", "price": 0.50, "vat": 21.0, "step_size": 1 },
            { "type": "ENERGY", "price": 0.25, "vat": 21.0, "step_size": 1 },
            { "type": "TIME", "price": 1.20, "vat": 21.0, "step_size": 60 } ] } ] }
        """;

    private const string Head = "{\"id\":\"";

    /// <summary>
    /// A builder of CDRs for one EMSP's token: <see cref="Cdr(string)"/> only concatenates the id
    /// between a fixed head and tail, so building a batch costs the generator little.
    /// </summary>
    public sealed class Builder(PartyRef emsp, string tokenUid = "TOKEN-1")
    {
        private readonly string _tail =
            "\",\"start_date_time\":\"2026-01-13T14:30:00Z\",\"end_date_time\":\"2026-01-13T15:30:00Z\"," +
            $"\"cdr_token\":{{\"country_code\":\"{emsp.CountryCode}\",\"party_id\":\"{emsp.PartyId}\",\"uid\":\"{tokenUid}\",\"type\":\"RFID\"}}," +
            $"\"currency\":\"EUR\",\"tariffs\":[{{\"id\":\"{TariffId}\",\"currency\":\"EUR\",\"elements\":[]}}]," +
            "\"charging_periods\":[{\"start_date_time\":\"2026-01-13T14:30:00Z\",\"dimensions\":[{\"type\":\"ENERGY\",\"volume\":12},{\"type\":\"TIME\",\"volume\":1}]}]," +
            "\"total_cost\":{\"excl_vat\":4.7,\"incl_vat\":5.687},\"total_energy\":12,\"total_time\":1}";

        private string? _afterId;

        // The tail without the quote that closes the id: what follows the cdr_location object.
        private string AfterId => _afterId ??= _tail[1..];

        /// <summary>A CDR with this id.</summary>
        public string Cdr(string id) => string.Concat(Head, id, _tail);

        /// <summary>A CDR with this id at <paramref name="locationId"/> (<c>cdr_location.id</c>): the hub prices it in that location's time zone.</summary>
        public string CdrAt(string id, string locationId) =>
            string.Concat(Head, id, "\",\"cdr_location\":{\"id\":\"", locationId, "\",\"country\":\"NLD\"}", AfterId);

        /// <summary>A CDR with this id that also links the session and the authorization it ran under.</summary>
        public string Cdr(string id, string sessionId, string? authorizationReference) =>
            string.Concat(
                Head,
                id,
                "\",\"session_id\":\"",
                sessionId,
                authorizationReference is null ? "" : "\",\"authorization_reference\":\"" + authorizationReference,
                _tail);

        /// <summary>A CDR id from a prefix and a number.</summary>
        public static string Id(string prefix, long n) => string.Concat(prefix, "-", n.ToString(CultureInfo.InvariantCulture));
    }
}
