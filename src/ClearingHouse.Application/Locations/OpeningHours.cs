using ClearingHouse.Domain.Locations;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Locations;

namespace ClearingHouse.Application.Locations;

/// <summary>A location's opening hours as every edge checks them: one rule, whatever the wire form.</summary>
public static class OpeningHours
{
    /// <summary>
    /// Checks opening hours (no regular hours beside twentyfourseven, weekday 1 to 7, HH:MM periods that end after
    /// they begin) and returns them; a violation is InvalidArgument naming the field under <paramref name="field"/>.
    /// </summary>
    public static HoursData Validate(bool twentyFourSeven, IReadOnlyList<(int Weekday, string? PeriodBegin, string? PeriodEnd)> regularHours, string field)
    {
        ArgumentNullException.ThrowIfNull(regularHours);
        if (twentyFourSeven && regularHours.Count > 0)
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"{field}.regular_hours must be empty when twentyfourseven is true", field + ".regular_hours");
        }

        var regular = new RegularHoursData[regularHours.Count];
        for (var i = 0; i < regular.Length; i++)
        {
            var (weekday, begin, end) = regularHours[i];
            var f = $"{field}.regular_hours[{i}]";
            if (weekday is < 1 or > 7)
            {
                throw new HubException(HubErrorCode.InvalidArgument, $"{f}.weekday must be 1 (Monday) to 7 (Sunday)", f + ".weekday");
            }

            HubException.ThrowIfInvalid(LocationRules.ValidateHourMinute(begin), f + ".period_begin");
            HubException.ThrowIfInvalid(LocationRules.ValidateHourMinute(end), f + ".period_end");
            if (string.CompareOrdinal(begin, end) >= 0)
            {
                throw new HubException(HubErrorCode.InvalidArgument, $"{f}.period_end must be after period_begin", f + ".period_end");
            }

            regular[i] = new RegularHoursData { Weekday = weekday, PeriodBegin = begin!, PeriodEnd = end! };
        }

        return new HoursData { TwentyFourSeven = twentyFourSeven, RegularHours = regular };
    }
}
