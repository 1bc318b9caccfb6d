using ClearingHouse.Domain.Tariffs;

namespace ClearingHouse.Domain.Cdrs;

/// <summary>Compares the total a CPO declared in a CDR with the hub's own price of the session.</summary>
public static class CdrPriceCheck
{
    /// <summary>
    /// Whether the declared <c>total_cost</c> differs from the hub's total by more than
    /// <paramref name="tolerance"/> (in the currency), excl. VAT, or incl. VAT when the CDR declares it.
    /// A credit CDR is compared by absolute value: it reverses the amounts of the CDR it corrects.
    /// </summary>
    public static bool IsMismatch(PricingResult hub, Tariffs.Price declared, decimal tolerance, bool credit = false)
    {
        ArgumentNullException.ThrowIfNull(hub);
        ArgumentNullException.ThrowIfNull(declared);
        var excl = credit ? Math.Abs(declared.ExclVat) : declared.ExclVat;
        if (Math.Abs(hub.Total.ExclVat - excl) > tolerance)
        {
            return true;
        }

        if (declared.InclVat is { } inclVat)
        {
            var incl = credit ? Math.Abs(inclVat) : inclVat;
            return Math.Abs(hub.Total.InclVat - incl) > tolerance;
        }

        return false;
    }
}
