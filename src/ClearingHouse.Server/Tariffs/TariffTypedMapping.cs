using System.Globalization;
using ClearingHouse.Contracts.V1;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Server.Grpc;
using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;
using D = ClearingHouse.Domain.Tariffs;
using ProtoDay = ClearingHouse.Contracts.V1.DayOfWeek;
using ProtoPrice = ClearingHouse.Contracts.V1.Price;

namespace ClearingHouse.Server.Tariffs;

/// <summary>
/// The typed OCPI messages of tariffs.proto and the Domain's model, both ways: a typed tariff or session becomes the
/// same <see cref="D.Tariff"/> or <see cref="D.ChargingSession"/> its OCPI JSON form would. Enum values of the wire
/// are the Domain's in the same (OCPI) order, shifted by the UNSPECIFIED zero. Empty strings are absent values.
/// </summary>
public static class TariffTypedMapping
{
    /// <summary>The Domain tariff of a typed one; InvalidArgument (with the field path under <paramref name="field"/>) for malformed numbers or unset enums.</summary>
    public static D.Tariff FromProto(OcpiTariff tariff, string field)
    {
        ArgumentNullException.ThrowIfNull(tariff);
        CheckEnergyMix(tariff.EnergyMix, $"{field}.energy_mix");
        return new D.Tariff
        {
            CountryCode = tariff.CountryCode,
            PartyId = tariff.PartyId,
            Id = tariff.Id,
            Currency = tariff.Currency,
            Type = ProtoMapping.Known(tariff.Type, $"{field}.type") == TariffType.Unspecified ? null : (D.TariffType)((int)tariff.Type - 1),
            TariffAltText = [.. tariff.TariffAltText.Select(t => new D.DisplayText { Language = t.Language, Text = t.Text })],
            TariffAltUrl = NullIfEmpty(tariff.TariffAltUrl),
            MinPrice = FromProto(tariff.MinPrice, $"{field}.min_price"),
            MaxPrice = FromProto(tariff.MaxPrice, $"{field}.max_price"),
            Elements = [.. tariff.Elements.Select((e, i) => FromProto(e, $"{field}.elements[{i}]"))],
            StartDateTime = tariff.StartDateTime?.ToDateTimeOffset(),
            EndDateTime = tariff.EndDateTime?.ToDateTimeOffset(),
            LastUpdated = tariff.LastUpdated?.ToDateTimeOffset(),
            TaxIncluded = tariff.TaxIncluded == TaxIncluded.Unspecified ? null : (D.TaxIncluded)((int)tariff.TaxIncluded - 1),
            PreauthorizeAmount = OptionalDecimal(tariff.PreauthorizeAmount, $"{field}.preauthorize_amount"),
        };
    }

    // The energy mix is not priced or stored apart from the JSON form, but an enum number the proto does not define is
    // refused as everywhere else.
    private static void CheckEnergyMix(EnergyMix? mix, string field)
    {
        if (mix is null)
        {
            return;
        }

        for (var i = 0; i < mix.EnergySources.Count; i++)
        {
            ProtoMapping.Known(mix.EnergySources[i].Source, $"{field}.energy_sources[{i}].source");
        }

        for (var i = 0; i < mix.EnvironImpact.Count; i++)
        {
            ProtoMapping.Known(mix.EnvironImpact[i].Category, $"{field}.environ_impact[{i}].category");
        }
    }

    /// <summary>The typed form of a Domain tariff.</summary>
    public static OcpiTariff ToProto(D.Tariff tariff)
    {
        ArgumentNullException.ThrowIfNull(tariff);
        var proto = new OcpiTariff
        {
            CountryCode = tariff.CountryCode,
            PartyId = tariff.PartyId,
            Id = tariff.Id,
            Currency = tariff.Currency,
            Type = tariff.Type is { } type ? (TariffType)((int)type + 1) : TariffType.Unspecified,
            TariffAltUrl = tariff.TariffAltUrl ?? "",
            MinPrice = ToProto(tariff.MinPrice, tariff.Currency),
            MaxPrice = ToProto(tariff.MaxPrice, tariff.Currency),
            StartDateTime = ToTimestamp(tariff.StartDateTime),
            EndDateTime = ToTimestamp(tariff.EndDateTime),
            LastUpdated = ToTimestamp(tariff.LastUpdated),
            TaxIncluded = tariff.TaxIncluded is { } tax ? (TaxIncluded)((int)tax + 1) : TaxIncluded.Unspecified,
            PreauthorizeAmount = tariff.PreauthorizeAmount?.ToString(CultureInfo.InvariantCulture) ?? "",
        };
        proto.TariffAltText.AddRange(tariff.TariffAltText.Select(t => new DisplayText { Language = t.Language, Text = t.Text }));
        proto.Elements.AddRange(tariff.Elements.Select(ToProto));
        return proto;
    }

    /// <summary>The Domain session of a typed session to price.</summary>
    public static D.ChargingSession FromProto(SessionToPrice session, string field)
    {
        ArgumentNullException.ThrowIfNull(session);
        return new D.ChargingSession
        {
            StartDateTime = RequireTime(session.StartDateTime, $"{field}.start_date_time"),
            EndDateTime = RequireTime(session.EndDateTime, $"{field}.end_date_time"),
            ChargingPeriods = FromProto(session.ChargingPeriods, $"{field}.charging_periods"),
        };
    }

    /// <summary>The Domain charging periods of typed ones.</summary>
    public static IReadOnlyList<D.ChargingPeriod> FromProto(RepeatedField<ChargingPeriod> periods, string field)
    {
        ArgumentNullException.ThrowIfNull(periods);
        var list = new List<D.ChargingPeriod>(periods.Count);
        for (var i = 0; i < periods.Count; i++)
        {
            var p = periods[i];
            list.Add(new D.ChargingPeriod
            {
                StartDateTime = RequireTime(p.StartDateTime, $"{field}[{i}].start_date_time"),
                Dimensions = [.. p.Dimensions.Select((d, j) => ToDimension(d, $"{field}[{i}].dimensions[{j}]"))],
                TariffId = NullIfEmpty(p.TariffId),
            });
        }

        return list;
    }

    /// <summary>A wire volume (double) as the decimal the JSON form would give, rounded to 6 decimals.</summary>
    public static decimal ToVolume(double value, string field) => double.IsFinite(value) && Math.Abs(value) < 1e15
        ? Math.Round((decimal)value, 6)
        : throw Invalid(field, "must be a finite number");

    private static D.CdrDimension ToDimension(CdrDimension d, string field) => new()
    {
        Type = ProtoMapping.Known(d.Type, $"{field}.type") == CdrDimensionType.Unspecified ? throw Invalid($"{field}.type", "is required") : (D.CdrDimensionType)((int)d.Type - 1),
        Volume = ToVolume(d.Volume, $"{field}.volume"),
    };

    private static D.TariffElement FromProto(TariffElement element, string field) => new()
    {
        PriceComponents = [.. element.PriceComponents.Select((c, i) => FromProto(c, $"{field}.price_components[{i}]"))],
        Restrictions = element.Restrictions is { } r ? FromProto(r, $"{field}.restrictions") : null,
    };

    private static D.PriceComponent FromProto(PriceComponent component, string field) => new()
    {
        Type = ProtoMapping.Known(component.Type, $"{field}.type") == TariffDimensionType.Unspecified ? throw Invalid($"{field}.type", "is required") : (D.TariffDimensionType)((int)component.Type - 1),
        Price = RequireDecimal(component.Price, $"{field}.price"),
        Vat = OptionalDecimal(component.Vat, $"{field}.vat"),
        StepSize = component.StepSize,
    };

    private static D.TariffRestrictions FromProto(TariffRestrictions r, string field) => new()
    {
        StartTime = NullIfEmpty(r.StartTime),
        EndTime = NullIfEmpty(r.EndTime),
        StartDate = NullIfEmpty(r.StartDate),
        EndDate = NullIfEmpty(r.EndDate),
        MinKwh = OptionalDecimal(r.MinKwh, $"{field}.min_kwh"),
        MaxKwh = OptionalDecimal(r.MaxKwh, $"{field}.max_kwh"),
        MinCurrent = OptionalDecimal(r.MinCurrent, $"{field}.min_current"),
        MaxCurrent = OptionalDecimal(r.MaxCurrent, $"{field}.max_current"),
        MinPower = OptionalDecimal(r.MinPower, $"{field}.min_power"),
        MaxPower = OptionalDecimal(r.MaxPower, $"{field}.max_power"),
        MinDuration = r.HasMinDuration ? r.MinDuration : null,
        MaxDuration = r.HasMaxDuration ? r.MaxDuration : null,
        DayOfWeek = [.. r.DayOfWeek.Select((d, i) => ProtoMapping.Known(d, $"{field}.day_of_week[{i}]") == ProtoDay.Unspecified ? throw Invalid($"{field}.day_of_week[{i}]", "is required") : (System.DayOfWeek)((int)d % 7))],
        Reservation = ProtoMapping.Known(r.Reservation, $"{field}.reservation") == ReservationRestrictionType.Unspecified ? null : (D.ReservationRestrictionType)((int)r.Reservation - 1),
    };

    private static TariffElement ToProto(D.TariffElement element)
    {
        var proto = new TariffElement { Restrictions = element.Restrictions is { } r ? ToProto(r) : null };
        proto.PriceComponents.AddRange(element.PriceComponents.Select(c => new PriceComponent
        {
            Type = (TariffDimensionType)((int)c.Type + 1),
            Price = c.Price.ToWire(),
            Vat = c.Vat?.ToWire() ?? "",
            StepSize = c.StepSize,
        }));
        return proto;
    }

    private static TariffRestrictions ToProto(D.TariffRestrictions r)
    {
        var proto = new TariffRestrictions
        {
            StartTime = r.StartTime ?? "",
            EndTime = r.EndTime ?? "",
            StartDate = r.StartDate ?? "",
            EndDate = r.EndDate ?? "",
            MinKwh = r.MinKwh?.ToWire() ?? "",
            MaxKwh = r.MaxKwh?.ToWire() ?? "",
            MinCurrent = r.MinCurrent?.ToWire() ?? "",
            MaxCurrent = r.MaxCurrent?.ToWire() ?? "",
            MinPower = r.MinPower?.ToWire() ?? "",
            MaxPower = r.MaxPower?.ToWire() ?? "",
            Reservation = r.Reservation is { } reservation ? (ReservationRestrictionType)((int)reservation + 1) : ReservationRestrictionType.Unspecified,
        };
        if (r.MinDuration is { } min)
        {
            proto.MinDuration = min;
        }

        if (r.MaxDuration is { } max)
        {
            proto.MaxDuration = max;
        }

        proto.DayOfWeek.AddRange(r.DayOfWeek.Select(d => d == System.DayOfWeek.Sunday ? ProtoDay.Sunday : (ProtoDay)(int)d));
        return proto;
    }

    private static D.Price? FromProto(ProtoPrice? price, string field) => price is null ? null : new D.Price
    {
        ExclVat = RequireDecimal(price.ExclVat, $"{field}.excl_vat"),
        InclVat = OptionalDecimal(price.InclVat, $"{field}.incl_vat"),
    };

    private static ProtoPrice? ToProto(D.Price? price, string currency) => price is null ? null : new ProtoPrice
    {
        ExclVat = price.ExclVat.ToWire(),
        InclVat = price.InclVat?.ToWire() ?? "",
        Currency = currency,
    };

    private static DateTimeOffset RequireTime(Timestamp? time, string field) =>
        time?.ToDateTimeOffset() ?? throw Invalid(field, "is required");

    private static Timestamp? ToTimestamp(DateTimeOffset? time) => time is { } t ? Timestamp.FromDateTimeOffset(t) : null;

    private static decimal RequireDecimal(string text, string field) =>
        OptionalDecimal(text, field) ?? throw Invalid(field, "is required");

    private static decimal? OptionalDecimal(string text, string field)
    {
        if (text.Length == 0)
        {
            return null;
        }

        return decimal.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Invalid(field, "must be a decimal such as \"0.25\"");
    }

    private static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;

    private static HubException Invalid(string field, string problem) => new(HubErrorCode.InvalidArgument, $"{field} {problem}", field);
}
