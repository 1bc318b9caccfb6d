using System.Globalization;
using ClearingHouse.Application.Cdrs;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Tariffs;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Server.Grpc;
using ClearingHouse.Server.Tariffs;
using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;
using ProtoCdr = ClearingHouse.Contracts.V1.Cdr;
using ProtoPrice = ClearingHouse.Contracts.V1.Price;

namespace ClearingHouse.Server.Cdrs;

/// <summary>Wire forms of CDRs, their acknowledgements, lists and feed messages.</summary>
public static class CdrProtoMapping
{
    /// <summary>
    /// The OCPI CDR JSON objects of a submission: the <c>cdrs</c> strings as they came (no copy: the JSON path
    /// allocates nothing here), or each of <c>items</c> as its JSON, a typed CDR written as the JSON it mirrors.
    /// </summary>
    public static IReadOnlyList<string> Documents(RepeatedField<string> cdrs, RepeatedField<CdrInput> items)
    {
        if (items.Count == 0)
        {
            return cdrs;
        }

        if (cdrs.Count > 0)
        {
            throw new HubException(HubErrorCode.InvalidArgument, "use either cdrs or items in one request, not both", "items");
        }

        var documents = new string[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            documents[i] = items[i].FormCase == CdrInput.FormOneofCase.Cdr ? OcpiCdrJson.Write(items[i].Cdr, $"items[{i}].cdr") : items[i].OcpiJson;
        }

        return documents;
    }

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
        var (price, check) = PricingResultJson.DeserializeWithCheck(cdr.HubPriceJson);
        if (price is not null)
        {
            proto.HubPrice = price.ToProto(check);
        }

        if (check is not null)
        {
            proto.Differences.AddRange(check.Differences.Select(TariffProtoMapping.ToProto));
            proto.PriceCheckNote = check.Note ?? "";
        }

        return proto;
    }

    /// <summary>The wire form of a price check.</summary>
    public static PriceCheckStatus ToProto(this PriceCheck check) => check switch
    {
        PriceCheck.Matched => PriceCheckStatus.Matched,
        PriceCheck.Mismatch => PriceCheckStatus.Mismatch,
        PriceCheck.TariffNotActive => PriceCheckStatus.TariffNotActive,
        PriceCheck.TariffNotListed => PriceCheckStatus.TariffNotListed,
        PriceCheck.TariffConflict => PriceCheckStatus.TariffConflict,
        _ => PriceCheckStatus.NotChecked,
    };

    /// <summary>Adds the acknowledgement of each result, in order.</summary>
    public static void AddAcks(RepeatedField<CdrAck> acks, IReadOnlyList<CdrResult> results)
    {
        foreach (var result in results)
        {
            acks.Add(result.ToProto());
        }
    }

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
            TimeZone = result.TimeZone ?? "",
            TimeZoneNote = result.TimeZoneNote ?? "",
        };
        if (result.Check is { } check)
        {
            ack.Differences.AddRange(check.Differences.Select(TariffProtoMapping.ToProto));
            ack.PriceCheckNote = check.Note ?? "";
            ack.TariffId = check.TariffId ?? "";
            ack.TariffLastUpdated = check.TariffLastUpdated is { } at ? Timestamp.FromDateTimeOffset(at) : null;
            ack.TariffVersionNote = check.TariffVersionNote ?? "";
        }

        foreach (var reason in result.Reasons)
        {
            ack.Reasons.Add(new CdrRejection { Field = reason.Field, Description = reason.Message });
        }

        if (result.HubTotal is { } total)
        {
            ack.HubTotalCost = total.ToProto(result.Currency);
        }

        return ack;
    }

    /// <summary>The wire form of one feed message.</summary>
    public static SubscribeCdrsResponse ToProto(this CdrFeedMessage message)
    {
        var response = new SubscribeCdrsResponse { Cursor = message.Cursor };
        foreach (var e in message.Events)
        {
            response.Events.Add(new CdrEvent { Cdr = e.Cdr.ToProto(), Cursor = e.Cursor });
        }

        return response;
    }

    /// <summary>The core's list request of a ListCdrs request.</summary>
    public static CdrListRequest ToListRequest(ListCdrsRequest request) => new()
    {
        Cpo = request.Cpo is null ? null : ProtoMapping.ToKey(request.Cpo, "cpo"),
        Emsp = request.Emsp is null ? null : ProtoMapping.ToKey(request.Emsp, "emsp"),
        From = request.From is null ? null : ProtoMapping.ToInstant(request.From, "from"),
        To = request.To is null ? null : ProtoMapping.ToInstant(request.To, "to"),
        After = DecodeCursor(request.Page),
        Size = ProtoMapping.PageSize(request.Page),
    };

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
}
