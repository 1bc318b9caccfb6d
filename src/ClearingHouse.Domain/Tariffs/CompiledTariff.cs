using System.Globalization;

namespace ClearingHouse.Domain.Tariffs;

/// <summary>
/// A <see cref="Tariff"/> indexed once for pricing: restrictions parsed into numbers, the first price
/// component of each type per element resolved, VAT turned into a factor. Immutable and thread-safe;
/// compile a tariff once and price many sessions with it.
/// </summary>
public sealed class CompiledTariff
{
    private CompiledTariff(Tariff tariff, CompiledElement[] elements, CompiledComponent[] components)
    {
        Tariff = tariff;
        Elements = elements;
        Components = components;
        var taxIncluded = tariff.TaxIncluded;
        foreach (var component in tariff.Elements.SelectMany(e => e.PriceComponents))
        {
            // A missing vat means no VAT, but tax_included speaks of taxes in general (sales taxes in North America,
            // where OCPI 2.3's own examples leave vat out): without a rate the hub cannot split a tax-inclusive price
            // (YES), nor add the taxes to a tax-exclusive one (NO: "added on top"). 2.2.1 has no such field and
            // reads a missing rate as "no VAT", as before.
            ExclVatKnown &= !(taxIncluded == Tariffs.TaxIncluded.Yes && component.Vat is null);
            InclVatKnown &= !(taxIncluded == Tariffs.TaxIncluded.No && component.Vat is null);
        }

        foreach (var element in elements)
        {
            UsesLocalTime |= (element.Flags & RestrictionFlags.LocalTime) != 0;
            HasReservationElements |= element.Kind != ElementKind.Charging;
        }
    }

    /// <summary>The tariff this was compiled from.</summary>
    public Tariff Tariff { get; }

    /// <summary>
    /// Whether the prices' amount excl. VAT (OCPI 2.3: before taxes) is known: false for a tariff whose prices
    /// include taxes (<see cref="TaxIncluded.Yes"/>) and that has a component without a VAT rate.
    /// </summary>
    public bool ExclVatKnown { get; } = true;

    /// <summary>
    /// Whether the prices' amount incl. VAT (OCPI 2.3: after taxes) is known: false for a tariff whose taxes are added
    /// on top (<see cref="TaxIncluded.No"/>) and that has a component without a VAT rate.
    /// </summary>
    public bool InclVatKnown { get; } = true;

    internal CompiledElement[] Elements { get; }

    internal CompiledComponent[] Components { get; }

    /// <summary>Whether any restriction needs the local time (so pricing can skip time-zone conversion otherwise).</summary>
    internal bool UsesLocalTime { get; }

    internal bool HasReservationElements { get; }

    /// <summary>Compiles a tariff.</summary>
    /// <exception cref="FormatException">A restriction time or date is malformed (<see cref="TariffValidator"/> reports it).</exception>
    public static CompiledTariff Compile(Tariff tariff)
    {
        ArgumentNullException.ThrowIfNull(tariff);
        var components = new List<CompiledComponent>();
        var elements = new CompiledElement[tariff.Elements.Count];
        for (var i = 0; i < elements.Length; i++)
        {
            elements[i] = CompileElement(tariff.Elements[i], i, tariff.TaxIncluded, components);
        }

        return new CompiledTariff(tariff, elements, [.. components]);
    }

    private static CompiledElement CompileElement(TariffElement element, int index, TaxIncluded? taxIncluded, List<CompiledComponent> components)
    {
        int flat = -1, energy = -1, time = -1, parking = -1;
        for (var i = 0; i < element.PriceComponents.Count; i++)
        {
            var component = element.PriceComponents[i];
            ref var slot = ref flat;
            switch (component.Type)
            {
                case TariffDimensionType.Energy: slot = ref energy; break;
                case TariffDimensionType.Time: slot = ref time; break;
                case TariffDimensionType.ParkingTime: slot = ref parking; break;
                case TariffDimensionType.Flat: slot = ref flat; break;
                default: continue;
            }

            // OCPI: within one element, the first component of a type is the one that applies.
            if (slot < 0)
            {
                slot = components.Count;
                // N/A: no taxes apply, whatever a component says (TariffValidator refuses a rate there).
                var vat = taxIncluded == TaxIncluded.NotApplicable ? 0m : component.Vat ?? 0m;
                components.Add(new CompiledComponent(
                    component.Price,
                    1m + (vat / 100m),
                    component.StepSize,
                    taxIncluded == TaxIncluded.Yes));
            }
        }

        var compiled = new CompiledElement
        {
            Index = index,
            Flat = flat,
            Energy = energy,
            Time = time,
            Parking = parking,
            Kind = element.Restrictions?.Reservation switch
            {
                ReservationRestrictionType.Reservation => ElementKind.Reservation,
                ReservationRestrictionType.ReservationExpires => ElementKind.ReservationExpires,
                _ => ElementKind.Charging,
            },
        };

        return element.Restrictions is { } r ? WithRestrictions(compiled, r, index) : compiled;
    }

    private static CompiledElement WithRestrictions(CompiledElement e, TariffRestrictions r, int index)
    {
        var flags = RestrictionFlags.None;
        if (r.StartTime is not null || r.EndTime is not null)
        {
            flags |= RestrictionFlags.TimeOfDay;
            e.StartSecond = r.StartTime is null ? 0 : ParseTimeOfDay(r.StartTime, index, "start_time");
            var end = r.EndTime is null ? 0 : ParseTimeOfDay(r.EndTime, index, "end_time");

            // OCPI: "To stop at end of the day use: 00:00".
            e.EndSecond = end == 0 ? SecondsPerDay : end;
        }

        if (r.StartDate is not null)
        {
            flags |= RestrictionFlags.StartDate;
            e.StartDay = ParseDate(r.StartDate, index, "start_date");
        }

        if (r.EndDate is not null)
        {
            flags |= RestrictionFlags.EndDate;
            e.EndDay = ParseDate(r.EndDate, index, "end_date");
        }

        if (r.MinKwh is { } minKwh)
        {
            flags |= RestrictionFlags.MinKwh;
            e.MinKwh = minKwh;
        }

        if (r.MaxKwh is { } maxKwh)
        {
            flags |= RestrictionFlags.MaxKwh;
            e.MaxKwh = maxKwh;
        }

        if (r.MinCurrent is { } minCurrent)
        {
            flags |= RestrictionFlags.MinCurrent;
            e.MinCurrent = minCurrent;
        }

        if (r.MaxCurrent is { } maxCurrent)
        {
            flags |= RestrictionFlags.MaxCurrent;
            e.MaxCurrent = maxCurrent;
        }

        if (r.MinPower is { } minPower)
        {
            flags |= RestrictionFlags.MinPower;
            e.MinPower = minPower;
        }

        if (r.MaxPower is { } maxPower)
        {
            flags |= RestrictionFlags.MaxPower;
            e.MaxPower = maxPower;
        }

        if (r.MinDuration is { } minDuration)
        {
            flags |= RestrictionFlags.MinDuration;
            e.MinDurationTicks = minDuration * TimeSpan.TicksPerSecond;
        }

        if (r.MaxDuration is { } maxDuration)
        {
            flags |= RestrictionFlags.MaxDuration;
            e.MaxDurationTicks = maxDuration * TimeSpan.TicksPerSecond;
        }

        if (r.DayOfWeek.Count > 0)
        {
            flags |= RestrictionFlags.DayOfWeek;
            for (var i = 0; i < r.DayOfWeek.Count; i++)
            {
                e.DayMask |= 1 << (int)r.DayOfWeek[i];
            }
        }

        e.Flags = flags;
        return e;
    }

    internal const int SecondsPerDay = 24 * 3600;

    /// <summary>Parses OCPI "HH:mm" (regex <c>([0-1][0-9]|2[0-3]):[0-5][0-9]</c>) into seconds since midnight.</summary>
    internal static bool TryParseTimeOfDay(string? text, out int seconds)
    {
        seconds = 0;
        if (text is not { Length: 5 } || text[2] != ':' ||
            !char.IsAsciiDigit(text[0]) || !char.IsAsciiDigit(text[1]) ||
            !char.IsAsciiDigit(text[3]) || !char.IsAsciiDigit(text[4]))
        {
            return false;
        }

        var hours = ((text[0] - '0') * 10) + (text[1] - '0');
        var minutes = ((text[3] - '0') * 10) + (text[4] - '0');
        if (hours > 23 || minutes > 59)
        {
            return false;
        }

        seconds = (hours * 3600) + (minutes * 60);
        return true;
    }

    /// <summary>Parses OCPI "yyyy-MM-dd" into a <see cref="DateOnly.DayNumber"/>.</summary>
    internal static bool TryParseDate(string? text, out int dayNumber)
    {
        dayNumber = 0;
        if (text is not { Length: 10 } ||
            !DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return false;
        }

        dayNumber = date.DayNumber;
        return true;
    }

    private static int ParseTimeOfDay(string text, int element, string field) =>
        TryParseTimeOfDay(text, out var seconds)
            ? seconds
            : throw new FormatException($"elements[{element}].restrictions.{field}: '{text}' is not an OCPI time (HH:mm).");

    private static int ParseDate(string text, int element, string field) =>
        TryParseDate(text, out var day)
            ? day
            : throw new FormatException($"elements[{element}].restrictions.{field}: '{text}' is not an OCPI date (yyyy-MM-dd).");
}

/// <summary>A price component ready for arithmetic.</summary>
/// <param name="Price">Price per unit as the tariff gives it.</param>
/// <param name="VatFactor">1 + VAT/100.</param>
/// <param name="StepSize">OCPI step_size; 0 means no rounding.</param>
/// <param name="PriceIncludesTax">OCPI 2.3 tax_included YES: <paramref name="Price"/> is the amount incl. VAT.</param>
internal readonly record struct CompiledComponent(decimal Price, decimal VatFactor, int StepSize, bool PriceIncludesTax)
{
    /// <summary>The cost of <paramref name="volume"/> units, unrounded.</summary>
    /// <remarks>
    /// Tax-exclusive prices (OCPI 2.2.1, 2.3 NO and N/A) keep the arithmetic the engine always had, volume x price,
    /// then x (1 + VAT/100), so that 2.2.1 tariffs price to the same digits; a tax-inclusive price (2.3 YES) is
    /// multiplied as given and the amount excl. VAT derived by dividing out the rate.
    /// </remarks>
    public Cost Of(decimal volume)
    {
        if (PriceIncludesTax)
        {
            var incl = volume * Price;
            return new Cost(VatFactor == 1m ? incl : incl / VatFactor, incl);
        }

        var excl = volume * Price;
        return new Cost(excl, excl * VatFactor);
    }
}

internal enum ElementKind : byte
{
    Charging,
    Reservation,
    ReservationExpires,
}

[Flags]
internal enum RestrictionFlags
{
    None = 0,
    TimeOfDay = 1 << 0,
    StartDate = 1 << 1,
    EndDate = 1 << 2,
    DayOfWeek = 1 << 3,
    MinKwh = 1 << 4,
    MaxKwh = 1 << 5,
    MinCurrent = 1 << 6,
    MaxCurrent = 1 << 7,
    MinPower = 1 << 8,
    MaxPower = 1 << 9,
    MinDuration = 1 << 10,
    MaxDuration = 1 << 11,
    LocalTime = TimeOfDay | StartDate | EndDate | DayOfWeek,
}

/// <summary>A tariff element with its restrictions as numbers and its component indexes (-1: none of that type).</summary>
internal struct CompiledElement
{
    public int Index;
    public ElementKind Kind;
    public RestrictionFlags Flags;
    public int Flat;
    public int Energy;
    public int Time;
    public int Parking;
    public int StartSecond;
    public int EndSecond;
    public int StartDay;
    public int EndDay;
    public int DayMask;
    public long MinDurationTicks;
    public long MaxDurationTicks;
    public decimal MinKwh;
    public decimal MaxKwh;
    public decimal MinCurrent;
    public decimal MaxCurrent;
    public decimal MinPower;
    public decimal MaxPower;
}
