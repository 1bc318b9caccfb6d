using System.Globalization;
using System.Text.Json.Nodes;
using ClearingHouse.Contracts.V1;
using Grpc.Net.Client;

namespace ClearingHouse.Server.Tests.Infrastructure;

/// <summary>A CPO and an EMSP with an agreement, their secrets, and OCPI tariff/CDR JSON builders.</summary>
public sealed record Roaming(PartyRef Cpo, string CpoSecret, PartyRef Emsp, string EmspSecret)
{
    /// <summary>A tariff of 0.25 EUR/kWh (10% VAT) with a 0.50/0.55 minimum price: the OCPI reference tariff.</summary>
    public const string MinPriceTariff = """
        { "id": "T-MIN", "currency": "EUR", "min_price": { "excl_vat": 0.50, "incl_vat": 0.55 },
          "elements": [ { "price_components": [ { "type": "ENERGY", "price": 0.25, "vat": 10.0, "step_size": 1 } ] } ],
          "last_updated": "2018-12-17T16:45:21Z" }
        """;

    /// <summary>Registers a CPO and an EMSP, issues both credentials and sets an agreement between them.</summary>
    public static async Task<Roaming> SetUpAsync(IHubEndpoint hub)
    {
        var op = hub.Channel(hub.OperatorSecret);
        var (cpo, emsp) = (Parties.Unique(PartyRole.Cpo), Parties.Unique(PartyRole.Emsp, "DE"));
        var cpoSecret = await Parties.RegisterWithCredentialAsync(op, cpo);
        var emspSecret = await Parties.RegisterWithCredentialAsync(op, emsp);
        await new PartyAdminService.PartyAdminServiceClient(op).SetAgreementAsync(new SetAgreementRequest { Cpo = cpo, Emsp = emsp });
        return new Roaming(cpo, cpoSecret, emsp, emspSecret);
    }

    /// <summary>A valid CDR of 1.2 kWh in one hour under <paramref name="tariffId"/>, declaring <paramref name="total"/> EUR excl. VAT.</summary>
    public string Cdr(string id, string? tariffId = "T-MIN", decimal total = 0.50m, decimal? totalInclVat = null, PartyRef? emsp = null) =>
        CdrNode(id, tariffId, total, totalInclVat ?? total * 1.1m, emsp).ToJsonString();

    /// <summary>The same CDR as a JSON node, to break on purpose.</summary>
    public JsonObject CdrNode(string id, string? tariffId = "T-MIN", decimal total = 0.50m, decimal? totalInclVat = null, PartyRef? emsp = null)
    {
        var issuer = emsp ?? Emsp;
        var json = JsonNode.Parse($$"""
            { "country_code": "{{Cpo.CountryCode}}", "party_id": "{{Cpo.PartyId}}", "id": "{{id}}",
              "start_date_time": "2022-01-13T14:30:00Z", "end_date_time": "2022-01-13T15:30:00Z",
              "cdr_token": { "country_code": "{{issuer.CountryCode}}", "party_id": "{{issuer.PartyId}}", "uid": "TOKEN-1", "type": "RFID", "contract_id": "DE-XYZ-C1" },
              "currency": "EUR", "cdr_location": { "id": "LOC1", "country": "NLD" },
              "charging_periods": [ { "start_date_time": "2022-01-13T14:30:00Z", "dimensions": [ { "type": "ENERGY", "volume": 1.2 } ] } ],
              "total_cost": { "excl_vat": {{total.ToString(CultureInfo.InvariantCulture)}}, "incl_vat": {{(totalInclVat ?? total * 1.1m).ToString(CultureInfo.InvariantCulture)}} },
              "total_energy": 1.2, "total_time": 1, "last_updated": "2022-01-13T16:00:00Z" }
            """)!.AsObject();
        if (tariffId is not null)
        {
            json["tariffs"] = new JsonArray(new JsonObject { ["id"] = tariffId, ["currency"] = "EUR", ["elements"] = new JsonArray() });
        }

        return json;
    }

    /// <summary>A channel with the CPO's credential.</summary>
    public GrpcChannel CpoChannel(IHubEndpoint hub) => hub.Channel(CpoSecret);

    /// <summary>A channel with the EMSP's credential.</summary>
    public GrpcChannel EmspChannel(IHubEndpoint hub) => hub.Channel(EmspSecret);
}
