using ClearingHouse.Application.Settlement;
using System.Globalization;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Settlement;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Settlement;
using ClearingHouse.Server.Grpc;
using Google.Protobuf.WellKnownTypes;
using DisputeStateProto = ClearingHouse.Contracts.V1.DisputeState;
using DomainCost = ClearingHouse.Domain.Tariffs.Cost;
using PartyRole = ClearingHouse.Domain.Parties.PartyRole;
using DomainDisputeState = ClearingHouse.Domain.Settlement.DisputeState;

namespace ClearingHouse.Server.Settlement;

/// <summary>Settlement and dispute records to protobuf.</summary>
public static class SettlementMapping
{
    /// <summary>A statement view as the wire shows it.</summary>
    public static Statement ToProto(this StatementView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        var key = view.Key;
        var t = view.Totals;
        var proto = new Statement
        {
            Cpo = key.Cpo.ToProto(),
            Emsp = key.Emsp.ToProto(),
            Currency = key.Currency,
            From = Timestamp.FromDateTimeOffset(key.From),
            To = Timestamp.FromDateTimeOffset(key.To),
            Closed = view.Closed is not null,
            Payable = Section(t.Payable, key.Currency),
            Charges = Section(t.Charges, key.Currency),
            Credits = Section(t.Credits, key.Currency),
            Adjustments = Section(t.Adjustments, key.Currency),
            Disputed = Section(t.Disputed, key.Currency),
            AmountDue = Price(t.AmountDue(key.Currency), key.Currency),
            LineCount = view.LineCount,
        };
        if (view.Invoicing is { } invoicing)
        {
            proto.InvoicedCount = invoicing.InvoicedCount;
            proto.Invoiced = Price(invoicing.Invoiced, key.Currency);
            proto.NotInvoicedCount = invoicing.NotInvoicedCount;
            proto.NotInvoiced = Price(invoicing.NotInvoiced, key.Currency);
        }

        if (view.Closed is { } closed)
        {
            proto.Number = closed.Number;
            proto.ContentHash = closed.ContentHash;
            proto.ClosedAt = Timestamp.FromDateTimeOffset(closed.ClosedAt);
            proto.ClosedBy = closed.ClosedBy;
        }

        return proto;
    }

    /// <summary>A dispute as the wire shows it.</summary>
    public static Dispute ToProto(this DisputeRecord d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return new Dispute
        {
            Id = d.Id,
            Cpo = d.Cpo.ToProto(),
            CdrId = d.CdrId,
            Emsp = d.Emsp.ToProto(),
            Currency = d.Currency,
            State = ToProto(d.State),
            OpenedBy = d.OpenedBy,
            Reason = d.Reason,
            OpenedAt = Timestamp.FromDateTimeOffset(d.OpenedAt),
            UpdatedAt = Timestamp.FromDateTimeOffset(d.UpdatedAt),
            Version = d.Version,
            CreditCdrId = d.CreditCdrId ?? "",
            NewCdrId = d.NewCdrId ?? "",
        };
    }

    /// <summary>A recorded change as the wire shows it.</summary>
    public static DisputeChange ToProto(this DisputeEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new DisputeChange
        {
            Version = e.Version,
            At = Timestamp.FromDateTimeOffset(e.At),
            Actor = e.Actor,
            From = e.From is { } f ? ToProto(f) : DisputeStateProto.Unspecified,
            To = ToProto(e.To),
            Reason = e.Reason,
        };
    }

    /// <summary>Domain state to wire.</summary>
    public static DisputeStateProto ToProto(DomainDisputeState state) => (DisputeStateProto)(int)state;

    /// <summary>Wire state to domain; null for UNSPECIFIED or unknown values.</summary>
    public static DomainDisputeState? ToDomain(DisputeStateProto state) =>
        state is > DisputeStateProto.Unspecified and <= DisputeStateProto.Resolved ? (DomainDisputeState)(int)state : null;

    /// <summary>A party reference that is required and must have <paramref name="role"/> (InvalidArgument naming the field otherwise).</summary>
    public static PartyKey ToParty(PartyRef? party, string field, PartyRole role)
    {
        if (party is null)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field} is required", field);
        }

        var key = ProtoMapping.ToKey(party, field);
        return key.Role == role ? key : throw new HubException(HubErrorCode.InvalidArgument, $"{field}.role must be PARTY_ROLE_{role.ToString().ToUpperInvariant()}", $"{field}.role");
    }

    private static StatementSection Section(SectionTotals s, string currency) => new()
    {
        Count = s.Count,
        EnergyKwh = Text(s.EnergyKwh),
        ChargingHours = Text(s.ChargingHours),
        ParkingHours = Text(s.ParkingHours),
        Energy = Price(s.Components.Energy, currency),
        Time = Price(s.Components.Time, currency),
        Parking = Price(s.Components.Parking, currency),
        Flat = Price(s.Components.Flat, currency),
        Reservation = Price(s.Components.Reservation, currency),
        Other = Price(s.Components.Other, currency),
        Total = Price(s.Total, currency),
    };

    private static Contracts.V1.Price Price(DomainCost cost, string currency) =>
        new() { ExclVat = Text(cost.ExclVat), InclVat = Text(cost.InclVat), Currency = currency };

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
