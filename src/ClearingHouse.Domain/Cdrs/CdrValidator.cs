using ClearingHouse.Domain.Tariffs;

namespace ClearingHouse.Domain.Cdrs;

/// <summary>One problem found in a CDR.</summary>
/// <param name="Field">OCPI path of the field, e.g. <c>charging_periods[2].start_date_time</c>.</param>
/// <param name="Message">What is wrong, for a partner to read.</param>
public sealed record CdrValidationError(string Field, string Message);

/// <summary>
/// Checks the content of an OCPI 2.2.1 CDR on its own (no parties, no tariffs): what every CDR must
/// satisfy before the hub looks anything up. Every problem is reported, each with its OCPI field path.
/// </summary>
/// <remarks>
/// Rules: <c>id</c> 1-39 characters; <c>cdr_token</c> with <c>country_code</c> (2 letters),
/// <c>party_id</c> (3 letters or digits) and <c>uid</c> (1-36 characters); <c>end_date_time</c> after
/// <c>start_date_time</c>; <c>currency</c> 3 upper-case letters; at least one charging period, in
/// chronological order, each starting inside the session (<c>[start_date_time, end_date_time)</c>) with at
/// least one dimension and no negative volume; <c>total_energy</c>, <c>total_time</c> and
/// <c>total_parking_time</c> not negative, <c>total_time</c> at most the session's length (plus one minute
/// for rounding) and <c>total_parking_time</c> at most <c>total_time</c>; costs not negative unless the CDR is
/// a credit CDR; <c>credit_reference_id</c> set exactly when <c>credit</c> is true.
/// </remarks>
public static class CdrValidator
{
    /// <summary>Longest CDR id OCPI allows (CDR <c>id</c> is string(39)).</summary>
    public const int MaxIdLength = 39;

    private static readonly TimeSpan TimeSlack = TimeSpan.FromMinutes(1);

    /// <summary>Validates a CDR; an empty list means it is valid. Allocates only when it finds problems.</summary>
    public static IReadOnlyList<CdrValidationError> Validate(Cdr cdr)
    {
        ArgumentNullException.ThrowIfNull(cdr);
        // The list is the only allocation, and only when a problem is found (no closure, no delegate).
        var errors = new Errors();

        if (string.IsNullOrWhiteSpace(cdr.Id))
        {
            errors.Add("id", "is required.");
        }
        else if (cdr.Id.Length > MaxIdLength)
        {
            errors.Add("id", $"must be at most {MaxIdLength} characters.");
        }

        if (cdr.CdrToken is not { } token)
        {
            errors.Add("cdr_token", "is required: its country_code and party_id name the EMSP the CDR goes to.");
        }
        else
        {
            if (token.CountryCode is not { Length: 2 } cc || !cc.All(char.IsAsciiLetterUpper))
            {
                errors.Add("cdr_token.country_code", $"'{token.CountryCode}' is not an upper-case ISO 3166 alpha-2 code.");
            }

            if (token.PartyId is not { Length: 3 } pid || !pid.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c)))
            {
                errors.Add("cdr_token.party_id", $"'{token.PartyId}' must be 3 upper-case letters or digits.");
            }

            if (string.IsNullOrWhiteSpace(token.Uid) || token.Uid.Length > 36)
            {
                errors.Add("cdr_token.uid", "is required, at most 36 characters.");
            }
        }

        if (cdr.EndDateTime <= cdr.StartDateTime)
        {
            errors.Add("end_date_time", "must be after start_date_time.");
        }

        if (cdr.Currency is not { Length: 3 } currency || !currency.All(char.IsAsciiLetterUpper))
        {
            errors.Add("currency", $"'{cdr.Currency}' is not an ISO 4217 code (3 upper-case letters).");
        }

        ValidatePeriods(cdr, ref errors);

        if (cdr.TotalEnergy < 0)
        {
            errors.Add("total_energy", "must not be negative.");
        }

        if (cdr.TotalTime < 0)
        {
            errors.Add("total_time", "must not be negative.");
        }
        else if (cdr.EndDateTime > cdr.StartDateTime && TimeSpan.FromHours((double)cdr.TotalTime) > cdr.EndDateTime - cdr.StartDateTime + TimeSlack)
        {
            errors.Add("total_time", "is longer than the session (end_date_time - start_date_time).");
        }

        if (cdr.TotalParkingTime is { } parking)
        {
            if (parking < 0)
            {
                errors.Add("total_parking_time", "must not be negative.");
            }
            else if (parking > cdr.TotalTime)
            {
                errors.Add("total_parking_time", "must not be more than total_time.");
            }
        }

        var credit = cdr.Credit == true;
        if (!credit)
        {
            CheckCost(cdr.TotalCost, "total_cost", ref errors);
            CheckCost(cdr.TotalEnergyCost, "total_energy_cost", ref errors);
            CheckCost(cdr.TotalFixedCost, "total_fixed_cost", ref errors);
            CheckCost(cdr.TotalTimeCost, "total_time_cost", ref errors);
            CheckCost(cdr.TotalParkingCost, "total_parking_cost", ref errors);
            CheckCost(cdr.TotalReservationCost, "total_reservation_cost", ref errors);
        }

        if (credit && string.IsNullOrWhiteSpace(cdr.CreditReferenceId))
        {
            errors.Add("credit_reference_id", "is required when credit is true.");
        }
        else if (!credit && cdr.CreditReferenceId is { Length: > 0 })
        {
            errors.Add("credit_reference_id", "may only be set on a credit CDR (credit = true).");
        }
        else if (credit && cdr.CreditReferenceId == cdr.Id)
        {
            errors.Add("credit_reference_id", "must name another CDR, not this one.");
        }

        return errors.List ?? (IReadOnlyList<CdrValidationError>)[];
    }

    /// <summary>
    /// The distinct tariff ids a CDR refers to: <c>charging_periods[].tariff_id</c> first, then
    /// <c>tariffs[].id</c>, in order of appearance.
    /// </summary>
    public static IReadOnlyList<string> TariffIds(Cdr cdr)
    {
        ArgumentNullException.ThrowIfNull(cdr);
        string? only = null;
        List<string>? many = null;
        void Add(string? id)
        {
            if (string.IsNullOrEmpty(id) || id == only || (many?.Contains(id) ?? false))
            {
                return;
            }

            if (only is null)
            {
                only = id;
            }
            else
            {
                (many ??= [only]).Add(id);
            }
        }

        for (var i = 0; i < cdr.ChargingPeriods.Count; i++)
        {
            Add(cdr.ChargingPeriods[i].TariffId);
        }

        for (var i = 0; i < cdr.Tariffs.Count; i++)
        {
            Add(cdr.Tariffs[i].Id);
        }

        return many ?? (only is null ? [] : [only]);
    }

    private static void ValidatePeriods(Cdr cdr, ref Errors add)
    {
        var periods = cdr.ChargingPeriods;
        if (periods.Count == 0)
        {
            add.Add("charging_periods", "must contain at least one charging period.");
            return;
        }

        var previous = DateTimeOffset.MinValue;
        for (var i = 0; i < periods.Count; i++)
        {
            var period = periods[i];
            if (period.StartDateTime < cdr.StartDateTime || period.StartDateTime >= cdr.EndDateTime)
            {
                add.Add($"charging_periods[{i}].start_date_time", "must be inside the session (start_date_time <= t < end_date_time).");
            }
            else if (period.StartDateTime < previous)
            {
                add.Add($"charging_periods[{i}].start_date_time", "must not be before the previous period's start.");
            }

            previous = period.StartDateTime;
            if (period.Dimensions.Count == 0)
            {
                add.Add($"charging_periods[{i}].dimensions", "must contain at least one dimension.");
            }

            for (var d = 0; d < period.Dimensions.Count; d++)
            {
                if (period.Dimensions[d].Volume < 0)
                {
                    add.Add($"charging_periods[{i}].dimensions[{d}].volume", "must not be negative.");
                }
            }
        }
    }

    private static void CheckCost(Tariffs.Price? price, string field, ref Errors add)
    {
        if (price is null)
        {
            return;
        }

        if (price.ExclVat < 0)
        {
            add.Add($"{field}.excl_vat", "must not be negative (only a credit CDR carries negative amounts).");
        }

        if (price.InclVat < 0)
        {
            add.Add($"{field}.incl_vat", "must not be negative (only a credit CDR carries negative amounts).");
        }
    }

    // Collects problems; allocates its list on the first one.
    private struct Errors
    {
        public List<CdrValidationError>? List;

        public void Add(string field, string message) => (List ??= []).Add(new(field, message));
    }
}
