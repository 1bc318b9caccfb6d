using ClearingHouse.Application.Cdrs;
using System.Globalization;
using System.Text;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tariffs;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Tariffs;
using ClearingHouse.Server.Cdrs;
using Google.Protobuf.WellKnownTypes;
using ProtoCdr = ClearingHouse.Contracts.V1.Cdr;
using ProtoPrice = ClearingHouse.Contracts.V1.Price;
using ProtoTariff = ClearingHouse.Contracts.V1.Tariff;

namespace ClearingHouse.Server.Grpc;

/// <summary>Wire forms of tariffs, prices and CDRs; page tokens of their lists.</summary>
public static class PricingMapping
{
    /// <summary>A decimal as the wire's decimal string.</summary>
    public static string ToWire(this decimal value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The wire form of a cost.</summary>
    public static ProtoPrice ToProto(this Cost cost, string currency) =>
        new() { ExclVat = cost.ExclVat.ToWire(), InclVat = cost.InclVat.ToWire(), Currency = currency };

    /// <summary>The wire form of one dimension's charge.</summary>
    public static Contracts.V1.DimensionCharge ToProto(this Domain.Tariffs.DimensionCharge charge, string currency) => new()
    {
        Volume = charge.Volume.ToWire(),
        BilledVolume = charge.BilledVolume.ToWire(),
        Cost = charge.Cost.ToProto(currency),
    };

    /// <summary>The wire form of the hub's price.</summary>
    public static PriceBreakdown ToProto(this PricingResult result) => new()
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

    /// <summary>The wire form of a stored tariff.</summary>
    public static ProtoTariff ToProto(this TariffRecord tariff, PartyKey cpo) => new()
    {
        Cpo = cpo.ToProto(),
        Id = tariff.Id,
        Currency = tariff.Currency,
        LastUpdated = Timestamp.FromDateTimeOffset(tariff.LastUpdated),
        OcpiJson = tariff.OcpiJson,
    };

    /// <summary>The wire form of a stored CDR.</summary>
    public static ProtoCdr ToProto(this StoredCdr cdr)
    {
        var proto = new ProtoCdr
        {
            Cpo = cdr.Cpo.ToProto(),
            Id = cdr.Id,
            Emsp = cdr.Emsp.ToProto(),
            StartDateTime = Timestamp.FromDateTimeOffset(cdr.StartDateTime),
            EndDateTime = Timestamp.FromDateTimeOffset(cdr.EndDateTime),
            TotalCost = new ProtoPrice { ExclVat = cdr.TotalCostExclVat.ToWire(), InclVat = cdr.TotalCostInclVat?.ToWire() ?? "", Currency = cdr.Currency },
            Credit = cdr.Credit,
            CreditReferenceId = cdr.CreditReferenceId ?? "",
            TariffId = cdr.TariffId ?? "",
            PriceCheck = cdr.PriceCheck.ToProto(),
            ReceivedAt = Timestamp.FromDateTimeOffset(cdr.ReceivedAt),
            OcpiJson = cdr.OcpiJson,
        };
        if (CdrIngestor.DeserializeBreakdown(cdr.HubPriceJson) is { } price)
        {
            proto.HubPrice = price.ToProto();
        }

        return proto;
    }

    /// <summary>The wire form of a price check.</summary>
    public static PriceCheckStatus ToProto(this PriceCheck check) => check switch
    {
        PriceCheck.Matched => PriceCheckStatus.Matched,
        PriceCheck.Mismatch => PriceCheckStatus.Mismatch,
        _ => PriceCheckStatus.NotChecked,
    };

    /// <summary>The wire form of one CDR's acknowledgement.</summary>
    public static CdrAck ToProto(this CdrResult result)
    {
        var ack = new CdrAck
        {
            Index = result.Index,
            CdrId = result.CdrId ?? "",
            Status = result.Outcome switch
            {
                CdrOutcome.Accepted => CdrAckStatus.Accepted,
                CdrOutcome.Duplicate => CdrAckStatus.Duplicate,
                _ => CdrAckStatus.Rejected,
            },
            PriceCheck = result.PriceCheck?.ToProto() ?? PriceCheckStatus.Unspecified,
        };
        foreach (var reason in result.Reasons)
        {
            ack.Reasons.Add(new CdrRejection { Field = reason.Field, Description = reason.Message });
        }

        if (result.HubTotal is { } total)
        {
            ack.HubTotalCost = total.ToProto(result.Currency);
        }

        ack.TimeZone = result.TimeZone ?? "";
        ack.TimeZoneNote = result.TimeZoneNote ?? "";

        return ack;
    }

    /// <summary>The page token after a CDR.</summary>
    public static string EncodeCursor(CdrCursor cursor) =>
        ProtoMapping.EncodePageToken(string.Create(CultureInfo.InvariantCulture, $"{cursor.EndDateTime.UtcTicks}|{cursor.CpoCountryCode}|{cursor.CpoPartyId}|{cursor.Id}"));

    /// <summary>The cursor of a CDR page token, or null for the first page; InvalidArgument when not the hub's.</summary>
    public static CdrCursor? DecodeCursor(PageRequest? page)
    {
        if (ProtoMapping.DecodePageToken(page) is not { } text)
        {
            return null;
        }

        var parts = text.Split('|', 4);
        return parts.Length == 4 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            && ticks is >= 0 and <= 3155378975999999999
            ? new CdrCursor(new DateTimeOffset(ticks, TimeSpan.Zero), parts[1], parts[2], parts[3])
            : throw new HubException(HubErrorCode.InvalidArgument, "page.page_token is not a token this hub returned", "page.page_token");
    }

    /// <summary>Joins validation problems into one message.</summary>
    public static string Describe(IEnumerable<(string Field, string Message)> errors)
    {
        var text = new StringBuilder();
        foreach (var (field, message) in errors)
        {
            text.Append(text.Length == 0 ? "" : "; ").Append(field).Append(' ').Append(message);
        }

        return text.ToString();
    }
}
