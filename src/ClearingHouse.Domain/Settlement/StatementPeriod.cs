using ClearingHouse.Domain.Tariffs;

namespace ClearingHouse.Domain.Settlement;

/// <summary>Rules for a statement's key: a period [from, to) on CDR end time, and a currency.</summary>
public static class StatementPeriod
{
    /// <summary>The first problem with the period and currency as (field, message), or null when they are valid.</summary>
    public static (string Field, string Message)? Validate(DateTimeOffset from, DateTimeOffset to, string? currency, int maxDays)
    {
        if (to <= from)
        {
            return ("to", "to must be after from");
        }

        if (to - from > TimeSpan.FromDays(maxDays))
        {
            return ("to", $"a statement period is at most {maxDays} days (Settlement:MaxPeriodDays), not {(to - from).TotalDays:0.##}");
        }

        if (!TariffValidator.IsKnownCurrency(currency))
        {
            return ("currency", $"'{currency}' is not a known ISO 4217 currency");
        }

        return null;
    }

    /// <summary>Whether two periods [from, to) overlap.</summary>
    public static bool Overlaps(DateTimeOffset aFrom, DateTimeOffset aTo, DateTimeOffset bFrom, DateTimeOffset bTo) => aFrom < bTo && bFrom < aTo;
}
