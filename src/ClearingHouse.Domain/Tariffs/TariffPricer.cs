namespace ClearingHouse.Domain.Tariffs;

/// <summary>
/// Prices a charging session with an OCPI 2.2.1 tariff.
/// </summary>
/// <remarks>
/// <para><b>Element selection.</b> For every charging period and every dimension it measures, the active
/// price component is that of the first element (in tariff order) whose restrictions all hold and that has a
/// component of that type. Restrictions are evaluated at the start of the period (the CPO must start a new
/// period whenever another element may become active): time of day, date and day of week in the location's
/// local time (<see cref="TimeZoneInfo"/>, so daylight-saving changes are honoured); <c>min/max_kwh</c>
/// against the energy charged before the period; <c>min/max_duration</c> against the time elapsed since the
/// session start; <c>min/max_current</c> and <c>min/max_power</c> against the period's measurements
/// (<c>min_*</c> uses MIN_x, else x, else MAX_x; <c>max_*</c> uses MAX_x, else x, else MIN_x; with no
/// measurement the restriction holds). Lower bounds are inclusive, upper bounds exclusive; an
/// <c>end_time</c> of 00:00 means midnight at the end of the day; <c>end_time</c> before <c>start_time</c> wraps.</para>
/// <para><b>FLAT</b> is charged once per session, from the first period whose matching elements offer one.</para>
/// <para><b>Reservations.</b> A period that measures RESERVATION_TIME is a reservation period: its time is priced
/// by the TIME component of elements restricted to RESERVATION, and a FLAT of such an element is charged once, both
/// into the reservation cost. When the session has reservation periods and no charging period at all, the
/// reservation expired: RESERVATION_EXPIRES elements are tried first, then RESERVATION elements (OCPI: the
/// expires element's TIME wins). Reservation elements never price charging periods, and the other way round.</para>
/// <para><b>step_size</b> (OCPI 2.2.1, CDR module): applied once per session per dimension, to the total volume
/// that was priced for that dimension, with the step size of the last price component used for it; the
/// volume added by rounding up is billed at that last component's price and VAT. TIME's step size is not applied
/// when the session went on to priced parking (PARKING_TIME), whose own step size then applies to the parking
/// total alone. A PARKING_TIME component priced 0.00 counts as priced parking (see <c>Finish</c> below for why), and
/// a <c>step_size</c> of 0 means no rounding on any dimension. Volumes are converted to Wh or seconds and rounded to 3 decimals before rounding up, so that a
/// value such as 60.0000000001 s, an artefact of hours with many decimals, does not cost an extra step.</para>
/// <para><b>Rounding.</b> Every amount is computed exactly in <see cref="decimal"/>: per period, volume × price
/// excl. VAT, and that × (1 + VAT/100) incl. VAT, so that components with different VAT rates stay exact. Each
/// dimension's excl. and incl. VAT sums are rounded once, to 4 decimals, <see cref="MidpointRounding.AwayFromZero"/>
/// (OCPI amounts carry 4 decimals; the reference CDRs of tandemdrive/ocpi-tariffs are compared at 4 decimals and
/// all match this way). The subtotal is the sum of the rounded dimension costs, so a CDR's parts always add up to
/// its total; <c>min_price</c> and <c>max_price</c> then clamp the total, excl. and incl. VAT independently (OCPI
/// 2.2.1: "they both apply"); a limit without <c>incl_vat</c> clamps only the amount excl. VAT. The dimension costs
/// are left as computed.</para>
/// <para><b>Taxes (OCPI 2.3).</b> A tariff without <c>tax_included</c> (OCPI 2.2.1), or with NO, prices excl. VAT and
/// adds each component's VAT; N/A prices without tax (excl. = incl.); YES means the prices include VAT, so the amount
/// excl. VAT is the price divided by (1 + VAT/100). Where the rate needed for that is missing the result says so
/// (<see cref="PricingResult.ExclVatKnown"/>, <see cref="PricingResult.InclVatKnown"/>) and the unknown figure is
/// reported equal to the known one. <c>min_price</c> / <c>max_price</c> clamp as in 2.2.1 (before taxes = excl. VAT,
/// after taxes = incl. VAT).</para>
/// <para><b>Not checked here:</b> whether the tariff is valid (<see cref="TariffValidator"/>), active at the session
/// start (<see cref="Tariff.IsActiveAt"/>) or in the CDR's currency: <see cref="Cdrs.CdrPriceCheck.Check(CompiledTariff, Cdr, TimeZoneInfo, Cdrs.PriceCheckOptions?)"/>
/// checks the last two before pricing. A session without periods costs only its <c>min_price</c>.</para>
/// <para>Pricing with a <see cref="CompiledTariff"/> allocates only the result: nothing per charging period.</para>
/// </remarks>
public static class TariffPricer
{
    private const decimal SecondsPerHour = 3600m;
    private const decimal WattHoursPerKilowattHour = 1000m;

    /// <summary>Prices a CDR's session with a tariff (compiled on the fly; compile once to price many).</summary>
    public static PricingResult Price(Tariff tariff, Cdr cdr, TimeZoneInfo timeZone)
    {
        ArgumentNullException.ThrowIfNull(cdr);
        return Price(CompiledTariff.Compile(tariff), cdr.StartDateTime, cdr.EndDateTime, cdr.ChargingPeriods, timeZone);
    }

    /// <summary>Prices a session with a tariff (compiled on the fly; compile once to price many).</summary>
    public static PricingResult Price(
        Tariff tariff,
        DateTimeOffset sessionStart,
        DateTimeOffset sessionEnd,
        IReadOnlyList<ChargingPeriod> periods,
        TimeZoneInfo timeZone) =>
        Price(CompiledTariff.Compile(tariff), sessionStart, sessionEnd, periods, timeZone);

    /// <summary>Prices a CDR's session with a compiled tariff.</summary>
    public static PricingResult Price(CompiledTariff tariff, Cdr cdr, TimeZoneInfo timeZone)
    {
        ArgumentNullException.ThrowIfNull(cdr);
        return Price(tariff, cdr.StartDateTime, cdr.EndDateTime, cdr.ChargingPeriods, timeZone);
    }

    /// <summary>Prices a session with a compiled tariff.</summary>
    /// <param name="tariff">The tariff.</param>
    /// <param name="sessionStart">Start of the session (CDR <c>start_date_time</c>).</param>
    /// <param name="sessionEnd">End of the session (CDR <c>end_date_time</c>).</param>
    /// <param name="periods">The charging periods, in chronological order.</param>
    /// <param name="timeZone">The location's time zone, for time, date and day-of-week restrictions.</param>
    public static PricingResult Price(
        CompiledTariff tariff,
        DateTimeOffset sessionStart,
        DateTimeOffset sessionEnd,
        IReadOnlyList<ChargingPeriod> periods,
        TimeZoneInfo timeZone)
    {
        ArgumentNullException.ThrowIfNull(tariff);
        ArgumentNullException.ThrowIfNull(periods);
        ArgumentNullException.ThrowIfNull(timeZone);

        var elements = tariff.Elements;
        var components = tariff.Components;
        var expired = tariff.HasReservationElements && IsExpiredReservation(periods);
        var useLocalTime = tariff.UsesLocalTime;

        var energy = Accumulator.Empty;
        var time = Accumulator.Empty;
        var parking = Accumulator.Empty;
        var reservation = Accumulator.Empty;
        var flat = Cost.Zero;
        var reservationFlat = Cost.Zero;
        var flatCharged = false;
        var reservationFlatCharged = false;
        var energySoFar = 0m;

        for (var i = 0; i < periods.Count; i++)
        {
            var period = periods[i];
            var m = Measurements.Read(period.Dimensions);
            var context = new PeriodContext(period.StartDateTime, sessionStart, energySoFar, m, useLocalTime, timeZone);

            var isReservation = m.HasReservation;
            if (!isReservation || m.HasEnergy || m.HasTime || m.HasParking)
            {
                int flatC = -1, energyC = -1, timeC = -1, parkingC = -1;
                var needFlat = !flatCharged;
                var needEnergy = m.HasEnergy;
                var needTime = m.HasTime;
                var needParking = m.HasParking;
                for (var j = 0; j < elements.Length && (needFlat || needEnergy || needTime || needParking); j++)
                {
                    ref readonly var e = ref elements[j];
                    if (e.Kind != ElementKind.Charging ||
                        !((needFlat && e.Flat >= 0) || (needEnergy && e.Energy >= 0) ||
                          (needTime && e.Time >= 0) || (needParking && e.Parking >= 0)) ||
                        !Matches(in e, in context))
                    {
                        continue;
                    }

                    Take(ref needFlat, ref flatC, e.Flat);
                    Take(ref needEnergy, ref energyC, e.Energy);
                    Take(ref needTime, ref timeC, e.Time);
                    Take(ref needParking, ref parkingC, e.Parking);
                }

                if (flatC >= 0)
                {
                    flat = components[flatC].Of(1m);
                    flatCharged = true;
                }

                energy.Add(m.Energy, m.HasEnergy, energyC, components);
                time.Add(m.Time, m.HasTime, timeC, components);
                parking.Add(m.Parking, m.HasParking, parkingC, components);
            }

            if (isReservation)
            {
                int flatC = -1, timeC = -1;
                var needFlat = !reservationFlatCharged;
                var needTime = true;
                for (var pass = expired ? 0 : 1; pass < 2; pass++)
                {
                    var kind = pass == 0 ? ElementKind.ReservationExpires : ElementKind.Reservation;
                    for (var j = 0; j < elements.Length && (needFlat || needTime); j++)
                    {
                        ref readonly var e = ref elements[j];
                        if (e.Kind != kind ||
                            !((needFlat && e.Flat >= 0) || (needTime && e.Time >= 0)) ||
                            !Matches(in e, in context))
                        {
                            continue;
                        }

                        Take(ref needFlat, ref flatC, e.Flat);
                        Take(ref needTime, ref timeC, e.Time);
                    }
                }

                if (flatC >= 0)
                {
                    reservationFlat = components[flatC].Of(1m);
                    reservationFlatCharged = true;
                }

                reservation.Add(m.Reservation, true, timeC, components);
            }

            energySoFar += m.Energy;
        }

        var energyCharge = energy.Finish(components, WattHoursPerKilowattHour, applyStep: true);
        // Decision (issue 19): a PARKING_TIME component priced 0.00 is priced parking like any other, so a session that
        // went on to it has its TIME left unrounded (20 min at step 900 s bills 1/3 h, not 1/2 h). OCPI applies the
        // step size of the last *time-based price component* used, and says nothing about its price; a free grace
        // period (the reference case grace_period_parking_time has one) is still a parking component the CPO chose to
        // publish, and this reading never bills the driver for time rounding the tariff did not ask for. Parking with
        // no PARKING_TIME component at all is unpriced: TIME then keeps its step size.
        var timeCharge = time.Finish(components, SecondsPerHour, applyStep: parking.Last < 0);
        var parkingCharge = parking.Finish(components, SecondsPerHour, applyStep: true);
        var reservationTime = reservation.Finish(components, SecondsPerHour, applyStep: true, extra: reservationFlat);
        var flatCount = flatCharged ? 1m : 0m;
        var flatCharge = new DimensionCharge(flatCount, flatCount, Round(flat));

        var subtotal = energyCharge.Cost + timeCharge.Cost + parkingCharge.Cost + flatCharge.Cost + reservationTime.Cost;
        var (total, minApplied, maxApplied) = Clamp(subtotal, tariff.Tariff.MinPrice, tariff.Tariff.MaxPrice);

        return new PricingResult
        {
            Currency = tariff.Tariff.Currency,
            Energy = energyCharge,
            Time = timeCharge,
            ParkingTime = parkingCharge,
            Flat = flatCharge,
            Reservation = reservationTime,
            TotalTime = (decimal)(sessionEnd - sessionStart).Ticks / TimeSpan.TicksPerHour,
            Subtotal = subtotal,
            Total = total,
            MinPriceApplied = minApplied,
            MaxPriceApplied = maxApplied,
            ReservationExpired = expired,
            ExclVatKnown = tariff.ExclVatKnown,
            InclVatKnown = tariff.InclVatKnown,
        };
    }

    private static void Take(ref bool needed, ref int chosen, int offered)
    {
        if (needed && offered >= 0)
        {
            chosen = offered;
            needed = false;
        }
    }

    private static (Cost Total, bool MinApplied, bool MaxApplied) Clamp(Cost subtotal, Price? min, Price? max)
    {
        decimal excl = subtotal.ExclVat, incl = subtotal.InclVat;
        bool minApplied = false, maxApplied = false;
        if (min is not null)
        {
            if (excl < min.ExclVat)
            {
                excl = min.ExclVat;
                minApplied = true;
            }

            if (min.InclVat is { } minIncl && incl < minIncl)
            {
                incl = minIncl;
                minApplied = true;
            }
        }

        if (max is not null)
        {
            if (excl > max.ExclVat)
            {
                excl = max.ExclVat;
                maxApplied = true;
            }

            if (max.InclVat is { } maxIncl && incl > maxIncl)
            {
                incl = maxIncl;
                maxApplied = true;
            }
        }

        return (new Cost(excl, incl), minApplied, maxApplied);
    }

    private static bool IsExpiredReservation(IReadOnlyList<ChargingPeriod> periods)
    {
        var anyReservation = false;
        for (var i = 0; i < periods.Count; i++)
        {
            var m = Measurements.Read(periods[i].Dimensions);
            if (!m.HasReservation || m.HasEnergy || m.HasTime || m.HasParking)
            {
                return false;
            }

            anyReservation = true;
        }

        return anyReservation;
    }

    private static bool Matches(in CompiledElement e, in PeriodContext c)
    {
        var flags = e.Flags;
        if (flags == RestrictionFlags.None)
        {
            return true;
        }

        if ((flags & RestrictionFlags.TimeOfDay) != 0)
        {
            var inWindow = e.StartSecond < e.EndSecond
                ? c.SecondOfDay >= e.StartSecond && c.SecondOfDay < e.EndSecond
                : c.SecondOfDay >= e.StartSecond || c.SecondOfDay < e.EndSecond;
            if (!inWindow)
            {
                return false;
            }
        }

        if (((flags & RestrictionFlags.StartDate) != 0 && c.DayNumber < e.StartDay) ||
            ((flags & RestrictionFlags.EndDate) != 0 && c.DayNumber >= e.EndDay) ||
            ((flags & RestrictionFlags.DayOfWeek) != 0 && (e.DayMask & (1 << (int)c.DayOfWeek)) == 0) ||
            ((flags & RestrictionFlags.MinKwh) != 0 && c.EnergySoFar < e.MinKwh) ||
            ((flags & RestrictionFlags.MaxKwh) != 0 && c.EnergySoFar >= e.MaxKwh) ||
            ((flags & RestrictionFlags.MinDuration) != 0 && c.ElapsedTicks < e.MinDurationTicks) ||
            ((flags & RestrictionFlags.MaxDuration) != 0 && c.ElapsedTicks >= e.MaxDurationTicks))
        {
            return false;
        }

        ref readonly var m = ref c.Measurements;
        if ((flags & RestrictionFlags.MinCurrent) != 0 && m.LowCurrent(out var lowCurrent) && lowCurrent < e.MinCurrent)
        {
            return false;
        }

        if ((flags & RestrictionFlags.MaxCurrent) != 0 && m.HighCurrent(out var highCurrent) && highCurrent >= e.MaxCurrent)
        {
            return false;
        }

        if ((flags & RestrictionFlags.MinPower) != 0 && m.LowPower(out var lowPower) && lowPower < e.MinPower)
        {
            return false;
        }

        return (flags & RestrictionFlags.MaxPower) == 0 || !m.HighPower(out var highPower) || highPower < e.MaxPower;
    }

    private static Cost Round(Cost cost) => new(Round(cost.ExclVat), Round(cost.InclVat));

    private static decimal Round(decimal amount) => Math.Round(amount, 4, MidpointRounding.AwayFromZero);

    /// <summary>What one charging period measured; absent dimensions are flagged, not null, to keep it unboxed.</summary>
    private struct Measurements
    {
        public decimal Energy;
        public decimal Time;
        public decimal Parking;
        public decimal Reservation;
        public decimal MinCurrent;
        public decimal MaxCurrent;
        public decimal Current;
        public decimal MinPower;
        public decimal MaxPower;
        public decimal Power;
        public Present Flags;

        public readonly bool HasEnergy => (Flags & Present.Energy) != 0;

        public readonly bool HasTime => (Flags & Present.Time) != 0;

        public readonly bool HasParking => (Flags & Present.Parking) != 0;

        public readonly bool HasReservation => (Flags & Present.Reservation) != 0;

        public static Measurements Read(IReadOnlyList<CdrDimension> dimensions)
        {
            var m = default(Measurements);
            for (var i = 0; i < dimensions.Count; i++)
            {
                var d = dimensions[i];
                switch (d.Type)
                {
                    case CdrDimensionType.Energy: m.Energy += d.Volume; m.Flags |= Present.Energy; break;
                    case CdrDimensionType.Time: m.Time += d.Volume; m.Flags |= Present.Time; break;
                    case CdrDimensionType.ParkingTime: m.Parking += d.Volume; m.Flags |= Present.Parking; break;
                    case CdrDimensionType.ReservationTime: m.Reservation += d.Volume; m.Flags |= Present.Reservation; break;
                    case CdrDimensionType.MinCurrent: m.MinCurrent = d.Volume; m.Flags |= Present.MinCurrent; break;
                    case CdrDimensionType.MaxCurrent: m.MaxCurrent = d.Volume; m.Flags |= Present.MaxCurrent; break;
                    case CdrDimensionType.Current: m.Current = d.Volume; m.Flags |= Present.Current; break;
                    case CdrDimensionType.MinPower: m.MinPower = d.Volume; m.Flags |= Present.MinPower; break;
                    case CdrDimensionType.MaxPower: m.MaxPower = d.Volume; m.Flags |= Present.MaxPower; break;
                    case CdrDimensionType.Power: m.Power = d.Volume; m.Flags |= Present.Power; break;
                    default: break;
                }
            }

            return m;
        }

        public readonly bool LowCurrent(out decimal value) =>
            Pick(Present.MinCurrent, MinCurrent, Present.Current, Current, Present.MaxCurrent, MaxCurrent, out value);

        public readonly bool HighCurrent(out decimal value) =>
            Pick(Present.MaxCurrent, MaxCurrent, Present.Current, Current, Present.MinCurrent, MinCurrent, out value);

        public readonly bool LowPower(out decimal value) =>
            Pick(Present.MinPower, MinPower, Present.Power, Power, Present.MaxPower, MaxPower, out value);

        public readonly bool HighPower(out decimal value) =>
            Pick(Present.MaxPower, MaxPower, Present.Power, Power, Present.MinPower, MinPower, out value);

        private readonly bool Pick(Present f1, decimal v1, Present f2, decimal v2, Present f3, decimal v3, out decimal value)
        {
            if ((Flags & f1) != 0)
            {
                value = v1;
                return true;
            }

            if ((Flags & f2) != 0)
            {
                value = v2;
                return true;
            }

            value = v3;
            return (Flags & f3) != 0;
        }
    }

    [Flags]
    private enum Present
    {
        None = 0,
        Energy = 1 << 0,
        Time = 1 << 1,
        Parking = 1 << 2,
        Reservation = 1 << 3,
        MinCurrent = 1 << 4,
        MaxCurrent = 1 << 5,
        Current = 1 << 6,
        MinPower = 1 << 7,
        MaxPower = 1 << 8,
        Power = 1 << 9,
    }

    /// <summary>The state of the session at the start of a period, against which restrictions are evaluated.</summary>
    private readonly struct PeriodContext
    {
        public readonly int SecondOfDay;
        public readonly int DayNumber;
        public readonly DayOfWeek DayOfWeek;
        public readonly long ElapsedTicks;
        public readonly decimal EnergySoFar;
        public readonly Measurements Measurements;

        public PeriodContext(
            DateTimeOffset periodStart,
            DateTimeOffset sessionStart,
            decimal energySoFar,
            Measurements measurements,
            bool useLocalTime,
            TimeZoneInfo timeZone)
        {
            ElapsedTicks = (periodStart - sessionStart).Ticks;
            EnergySoFar = energySoFar;
            Measurements = measurements;
            if (useLocalTime)
            {
                var local = TimeZoneInfo.ConvertTime(periodStart, timeZone).DateTime;
                SecondOfDay = (int)(local.TimeOfDay.Ticks / TimeSpan.TicksPerSecond);
                DayNumber = DateOnly.FromDateTime(local).DayNumber;
                DayOfWeek = local.DayOfWeek;
            }
        }
    }

    /// <summary>Running sums of one dimension over the session.</summary>
    private struct Accumulator
    {
        public decimal Volume;
        public decimal PricedVolume;
        public decimal ExclVat;
        public decimal InclVat;
        public int Last;

        public static Accumulator Empty => new() { Last = -1 };

        public void Add(decimal volume, bool present, int component, CompiledComponent[] components)
        {
            if (!present)
            {
                return;
            }

            Volume += volume;
            if (component < 0)
            {
                return;
            }

            var cost = components[component].Of(volume);
            ExclVat += cost.ExclVat;
            InclVat += cost.InclVat;
            PricedVolume += volume;
            Last = component;
        }

        /// <summary>Applies the last component's step size to the priced total, then rounds.</summary>
        /// <param name="components">The tariff's components.</param>
        /// <param name="stepUnitsPerVolumeUnit">Step units (Wh, s) per volume unit (kWh, h).</param>
        /// <param name="applyStep">Whether the step size applies to this dimension in this session.</param>
        /// <param name="extra">A fixed amount that belongs to the same cost (the reservation fee).</param>
        public readonly DimensionCharge Finish(
            CompiledComponent[] components,
            decimal stepUnitsPerVolumeUnit,
            bool applyStep,
            Cost extra = default)
        {
            var billed = PricedVolume;
            var excl = ExclVat;
            var incl = InclVat;
            if (applyStep && Last >= 0 && components[Last].StepSize > 0)
            {
                var c = components[Last];
                var units = Math.Round(PricedVolume * stepUnitsPerVolumeUnit, 3, MidpointRounding.AwayFromZero);
                var billedUnits = Math.Ceiling(units / c.StepSize) * c.StepSize;
                var delta = (billedUnits / stepUnitsPerVolumeUnit) - PricedVolume;
                if (delta > 0)
                {
                    billed += delta;
                    var deltaCost = c.Of(delta);
                    excl += deltaCost.ExclVat;
                    incl += deltaCost.InclVat;
                }
            }

            return new DimensionCharge(Volume, billed, Round(new Cost(excl + extra.ExclVat, incl + extra.InclVat)));
        }
    }
}
