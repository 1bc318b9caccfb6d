using System.Collections.Frozen;

namespace ClearingHouse.Domain.Tariffs;

/// <summary>One problem found in a tariff.</summary>
/// <param name="Field">OCPI path of the field, e.g. <c>elements[0].price_components[1].step_size</c>.</param>
/// <param name="Message">What is wrong, for a partner to read.</param>
public sealed record TariffValidationError(string Field, string Message);

/// <summary>
/// Checks a <see cref="Tariff"/> against OCPI 2.2.1 before the hub stores or prices with it.
/// Every problem is reported (not only the first), each with the OCPI path of its field.
/// </summary>
/// <remarks>
/// Rules: <c>id</c> present (at most 36 characters); <c>currency</c> an ISO 4217 code (3 upper-case letters,
/// in the list); <c>country_code</c> and <c>party_id</c>, when present, 2 letters and 3 alphanumerics;
/// at least one element, each with at least one price component; prices, VAT and min/max price not negative;
/// <c>step_size</c> not negative, 0 meaning no rounding (on FLAT it has no meaning at all); no <c>vat</c> on a
/// tariff whose <c>tax_included</c> is N/A; <c>preauthorize_amount</c> not negative; times "HH:mm" within 00:00-23:59, dates "yyyy-MM-dd"; lower bounds not negative and below the
/// (exclusive) upper bounds, since an element with min &gt;= max can never apply; days of the week known and
/// not repeated; reservation elements only FLAT and TIME (OCPI); <c>min_price</c> not above <c>max_price</c>;
/// <c>end_date_time</c> after <c>start_date_time</c>. Whether the tariff is active for a given session is
/// not a validity question (<see cref="Tariff.IsActiveAt"/>).
/// </remarks>
public static class TariffValidator
{
    /// <summary>Whether <paramref name="currency"/> is a known ISO 4217 code (upper case), as tariffs and CDRs require.</summary>
    public static bool IsKnownCurrency(string? currency) => currency is { Length: 3 } && Currencies.Contains(currency);

    // Active ISO 4217 codes (Debian iso-codes 4.x, iso_4217.json).
    private static readonly FrozenSet<string> Currencies = (
        "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD " +
        "CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP " +
        "GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW " +
        "KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD " +
        "NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE " +
        "SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED " +
        "VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XDR XOF XPD XPF XPT XSU XTS XUA XXX YER ZAR ZMW ZWL")
        .Split(' ')
        .ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Validates a tariff; an empty list means it is valid.</summary>
    public static IReadOnlyList<TariffValidationError> Validate(Tariff tariff)
    {
        ArgumentNullException.ThrowIfNull(tariff);
        var errors = new List<TariffValidationError>();

        if (string.IsNullOrWhiteSpace(tariff.Id))
        {
            errors.Add(new("id", "is required."));
        }
        else if (tariff.Id.Length > 36)
        {
            errors.Add(new("id", "must be at most 36 characters."));
        }

        if (tariff.Currency is not { Length: 3 } currency || !currency.All(char.IsAsciiLetterUpper))
        {
            errors.Add(new("currency", $"'{tariff.Currency}' is not an ISO 4217 code (3 upper-case letters)."));
        }
        else if (!Currencies.Contains(currency))
        {
            errors.Add(new("currency", $"'{currency}' is not a known ISO 4217 currency."));
        }

        if (tariff.CountryCode.Length > 0 && (tariff.CountryCode.Length != 2 || !tariff.CountryCode.All(char.IsAsciiLetter)))
        {
            errors.Add(new("country_code", $"'{tariff.CountryCode}' is not an ISO 3166 alpha-2 code."));
        }

        if (tariff.PartyId.Length > 0 && (tariff.PartyId.Length != 3 || !tariff.PartyId.All(char.IsAsciiLetterOrDigit)))
        {
            errors.Add(new("party_id", $"'{tariff.PartyId}' must be 3 letters or digits."));
        }

        ValidatePrice(tariff.MinPrice, "min_price", errors);
        ValidatePrice(tariff.MaxPrice, "max_price", errors);
        if (tariff.MinPrice is { } min && tariff.MaxPrice is { } max &&
            (min.ExclVat > max.ExclVat || (min.InclVat is { } minIncl && max.InclVat is { } maxIncl && minIncl > maxIncl)))
        {
            errors.Add(new("min_price", "must not be higher than max_price."));
        }

        if (tariff.TaxIncluded is { } taxIncluded && !Enum.IsDefined(taxIncluded))
        {
            errors.Add(new("tax_included", $"'{taxIncluded}' is not YES, NO or N/A."));
        }

        if (tariff.Type is { } type && !Enum.IsDefined(type))
        {
            errors.Add(new("type", $"'{type}' is not a tariff type."));
        }

        if (tariff.PreauthorizeAmount < 0)
        {
            errors.Add(new("preauthorize_amount", "must not be negative."));
        }

        if (tariff.StartDateTime is { } start && tariff.EndDateTime is { } end && end <= start)
        {
            errors.Add(new("end_date_time", "must be after start_date_time."));
        }

        if (tariff.Elements.Count == 0)
        {
            errors.Add(new("elements", "at least one tariff element is required."));
        }

        for (var i = 0; i < tariff.Elements.Count; i++)
        {
            ValidateElement(tariff.Elements[i], $"elements[{i}]", tariff.TaxIncluded, errors);
        }

        return errors;
    }

    private static void ValidatePrice(Price? price, string field, List<TariffValidationError> errors)
    {
        if (price is null)
        {
            return;
        }

        if (price.ExclVat < 0)
        {
            errors.Add(new($"{field}.excl_vat", "must not be negative."));
        }

        if (price.InclVat < 0)
        {
            errors.Add(new($"{field}.incl_vat", "must not be negative."));
        }
    }

    private static void ValidateElement(TariffElement element, string path, TaxIncluded? taxIncluded, List<TariffValidationError> errors)
    {
        var reservation = element.Restrictions?.Reservation is { } kind && Enum.IsDefined(kind);
        if (element.PriceComponents.Count == 0)
        {
            errors.Add(new($"{path}.price_components", "at least one price component is required."));
        }

        for (var i = 0; i < element.PriceComponents.Count; i++)
        {
            var component = element.PriceComponents[i];
            var at = $"{path}.price_components[{i}]";
            if (!Enum.IsDefined(component.Type))
            {
                errors.Add(new($"{at}.type", $"'{component.Type}' is not a tariff dimension type."));
            }
            else if (reservation && component.Type is not (TariffDimensionType.Flat or TariffDimensionType.Time))
            {
                errors.Add(new($"{at}.type", "a reservation element can only have FLAT and TIME components."));
            }

            if (component.Price < 0)
            {
                errors.Add(new($"{at}.price", "must not be negative."));
            }

            if (component.Vat < 0)
            {
                errors.Add(new($"{at}.vat", "must not be negative."));
            }

            // 0 reads as "no rounding" on every dimension: OCPI does not forbid it, and the engine then bills the
            // measured volume as it is (for FLAT step_size has no meaning at all).
            if (component.StepSize < 0)
            {
                errors.Add(new($"{at}.step_size", "must not be negative (0 means no rounding)."));
            }

            if (taxIncluded == TaxIncluded.NotApplicable && component.Vat is not null)
            {
                errors.Add(new($"{at}.vat", "must be absent when tax_included is N/A (no taxes apply)."));
            }
        }

        if (element.Restrictions is { } r)
        {
            ValidateRestrictions(r, $"{path}.restrictions", errors);
        }
    }

    private static void ValidateRestrictions(TariffRestrictions r, string path, List<TariffValidationError> errors)
    {
        if (r.StartTime is not null && !CompiledTariff.TryParseTimeOfDay(r.StartTime, out _))
        {
            errors.Add(new($"{path}.start_time", $"'{r.StartTime}' is not a time between 00:00 and 23:59 (HH:mm)."));
        }

        if (r.EndTime is not null && !CompiledTariff.TryParseTimeOfDay(r.EndTime, out _))
        {
            errors.Add(new($"{path}.end_time", $"'{r.EndTime}' is not a time between 00:00 and 23:59 (HH:mm)."));
        }

        var startDateOk = CompiledTariff.TryParseDate(r.StartDate, out var startDay);
        var endDateOk = CompiledTariff.TryParseDate(r.EndDate, out var endDay);
        if (r.StartDate is not null && !startDateOk)
        {
            errors.Add(new($"{path}.start_date", $"'{r.StartDate}' is not a date (yyyy-MM-dd)."));
        }

        if (r.EndDate is not null && !endDateOk)
        {
            errors.Add(new($"{path}.end_date", $"'{r.EndDate}' is not a date (yyyy-MM-dd)."));
        }

        if (startDateOk && endDateOk && startDay >= endDay)
        {
            errors.Add(new($"{path}.end_date", "must be after start_date (end_date is exclusive)."));
        }

        CheckRange(r.MinKwh, r.MaxKwh, "kwh", path, errors);
        CheckRange(r.MinCurrent, r.MaxCurrent, "current", path, errors);
        CheckRange(r.MinPower, r.MaxPower, "power", path, errors);
        CheckRange(r.MinDuration, r.MaxDuration, "duration", path, errors);

        var seen = 0;
        for (var i = 0; i < r.DayOfWeek.Count; i++)
        {
            var day = r.DayOfWeek[i];
            if (!Enum.IsDefined(day))
            {
                errors.Add(new($"{path}.day_of_week[{i}]", $"'{day}' is not a day of the week."));
                continue;
            }

            var bit = 1 << (int)day;
            if ((seen & bit) != 0)
            {
                errors.Add(new($"{path}.day_of_week[{i}]", $"{day} is listed twice."));
            }

            seen |= bit;
        }

        if (r.Reservation is { } reservation && !Enum.IsDefined(reservation))
        {
            errors.Add(new($"{path}.reservation", $"'{reservation}' is not a reservation restriction type."));
        }
    }

    private static void CheckRange(decimal? min, decimal? max, string name, string path, List<TariffValidationError> errors)
    {
        if (min < 0)
        {
            errors.Add(new($"{path}.min_{name}", "must not be negative."));
        }

        if (max < 0)
        {
            errors.Add(new($"{path}.max_{name}", "must not be negative."));
        }

        if (min is { } lo && max is { } hi && lo >= hi)
        {
            errors.Add(new($"{path}.min_{name}", $"must be below max_{name} (the maximum is exclusive, so the element could never apply)."));
        }
    }
}
