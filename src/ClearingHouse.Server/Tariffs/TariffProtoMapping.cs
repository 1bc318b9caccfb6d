using System.Globalization;
using System.Text.Json;
using ClearingHouse.Application.Tariffs;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Cdrs;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Tariffs;
using ClearingHouse.Server.Grpc;
using Google.Protobuf.WellKnownTypes;
using D = ClearingHouse.Domain.Tariffs;
using ProtoPrice = ClearingHouse.Contracts.V1.Price;
using ProtoTariff = ClearingHouse.Contracts.V1.Tariff;

namespace ClearingHouse.Server.Tariffs;

/// <summary>Wire forms of tariffs, sessions to price and the hub's priced breakdown; page tokens of tariff lists.</summary>
public static class TariffProtoMapping
{
    /// <summary>A decimal as the wire's decimal string.</summary>
    public static string ToWire(this decimal value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The wire form of a cost.</summary>
    public static ProtoPrice ToProto(this D.Cost cost, string currency) =>
        new() { ExclVat = cost.ExclVat.ToWire(), InclVat = cost.InclVat.ToWire(), Currency = currency };

    /// <summary>The wire form of one dimension's charge.</summary>
    public static DimensionCharge ToProto(this D.DimensionCharge charge, string currency) => new()
    {
        Volume = charge.Volume.ToWire(),
        BilledVolume = charge.BilledVolume.ToWire(),
        Cost = charge.Cost.ToProto(currency),
    };

    /// <summary>The wire form of the hub's price of a CDR, with the tariff version its check used.</summary>
    public static PriceBreakdown ToProto(this D.PricingResult result, PriceCheckDetails? check)
    {
        var proto = result.ToProto();
        if (check is not null)
        {
            proto.TariffId = check.TariffId ?? "";
            proto.TariffLastUpdated = check.TariffLastUpdated is { } at ? Timestamp.FromDateTimeOffset(at) : null;
            proto.TariffVersionNote = check.TariffVersionNote ?? "";
        }

        return proto;
    }

    /// <summary>The wire form of one differing figure.</summary>
    public static PriceDifference ToProto(ComponentDifference difference)
    {
        ArgumentNullException.ThrowIfNull(difference);
        return new PriceDifference
        {
            Field = difference.Field,
            Declared = difference.Declared.ToWire(),
            Hub = difference.Hub.ToWire(),
            Tolerance = difference.Tolerance.ToWire(),
        };
    }

    /// <summary>The wire form of the hub's price.</summary>
    public static PriceBreakdown ToProto(this D.PricingResult result) => new()
    {
        Currency = result.Currency,
        Energy = result.Energy.ToProto(result.Currency),
        Time = result.Time.ToProto(result.Currency),
        ParkingTime = result.ParkingTime.ToProto(result.Currency),
        Flat = result.Flat.ToProto(result.Currency),
        Reservation = result.Reservation.ToProto(result.Currency),
        TotalTime = result.TotalTime.ToWire(),
        Subtotal = result.Subtotal.ToProto(result.Currency),
        Total = result.Total.ToProto(result.Currency),
        MinPriceApplied = result.MinPriceApplied,
        MaxPriceApplied = result.MaxPriceApplied,
        ReservationExpired = result.ReservationExpired,
        TimeZone = result.TimeZone ?? "",
        TimeZoneNote = result.TimeZoneNote ?? "",
    };

    /// <summary>The wire form of a stored tariff: its JSON as stored and the same tariff typed.</summary>
    public static ProtoTariff ToProto(this CpoTariff stored) => stored.Tariff.ToProto(stored.Cpo);

    /// <summary>The wire form of a stored tariff of <paramref name="cpo"/>.</summary>
    public static ProtoTariff ToProto(this TariffRecord tariff, PartyKey cpo) => new()
    {
        Cpo = cpo.ToProto(),
        Id = tariff.Id,
        Currency = tariff.Currency,
        LastUpdated = Timestamp.FromDateTimeOffset(tariff.LastUpdated),
        OcpiJson = tariff.OcpiJson,
        Typed = TariffTypedMapping.ToProto(D.OcpiJson.ReadTariff(tariff.OcpiJson)),
    };

    /// <summary>The wire form of the tariffs that apply at a location.</summary>
    public static GetApplicableTariffsResponse ToProto(this ApplicableTariffs applicable)
    {
        var response = new GetApplicableTariffsResponse { TimeZone = applicable.TimeZone };
        foreach (var connector in applicable.Connectors)
        {
            var entry = new ConnectorTariffs { EvseUid = connector.EvseUid, ConnectorId = connector.ConnectorId };
            entry.TariffIds.AddRange(connector.TariffIds);
            response.Connectors.Add(entry);
        }

        response.Tariffs.AddRange(applicable.Tariffs.Select(t => t.ToProto(applicable.Cpo)));
        response.MissingTariffIds.AddRange(applicable.MissingTariffIds);
        return response;
    }

    /// <summary>The CPO a request names, or null when it names none.</summary>
    public static PartyKey? ToCpo(PartyRef? cpo) => cpo is null ? null : ProtoMapping.ToKey(cpo, "cpo");

    /// <summary>The tariff of a PutTariff request, from whichever form it carries.</summary>
    public static D.Tariff ToTariff(PutTariffRequest request) => request.FormCase == PutTariffRequest.FormOneofCase.Tariff
        ? TariffTypedMapping.FromProto(request.Tariff, "tariff")
        : TariffFlow.ParseTariff(request.OcpiJson, "ocpi_json");

    /// <summary>The session of a PriceSession request, from whichever form it carries, and the field that named it.</summary>
    public static (D.ChargingSession Session, string Field) ToSession(PriceSessionRequest request)
    {
        if (request.SessionFormCase == PriceSessionRequest.SessionFormOneofCase.Session)
        {
            return (TariffTypedMapping.FromProto(request.Session, "session"), "session");
        }

        try
        {
            return (D.ChargingSession.Read(request.SessionJson), "session_json");
        }
        catch (JsonException ex)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"session_json is not an OCPI session or CDR: {ex.Message}", "session_json");
        }
    }

    /// <summary>The page token after a tariff.</summary>
    public static string EncodePosition(TariffPosition position) => ProtoMapping.EncodePageToken($"{position.Cpo}|{position.Id}");

    /// <summary>Where a tariff page resumes, or null for the first page; InvalidArgument when the token is not the hub's.</summary>
    public static TariffPosition? DecodePosition(PageRequest? page)
    {
        if (ProtoMapping.DecodePageToken(page) is not { } position)
        {
            return null;
        }

        var parts = position.Split('|', 2);
        return parts.Length == 2 && PartyKey.TryParse(parts[0], out var k)
            ? new TariffPosition(k.Value, parts[1])
            : throw new HubException(HubErrorCode.InvalidArgument, "page.page_token is not a token this hub returned", "page.page_token");
    }
}
