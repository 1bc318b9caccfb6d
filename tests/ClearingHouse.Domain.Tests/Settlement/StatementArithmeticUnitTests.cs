using System.Globalization;
using ClearingHouse.Domain.Settlement;
using ClearingHouse.Domain.Tariffs;

namespace ClearingHouse.Domain.Tests.Settlement;

public sealed class StatementArithmeticUnitTests
{
    private static readonly DateTimeOffset T0 = new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);

    private static Cdr Cdr(string id, decimal excl, decimal? incl, decimal kwh = 10m, bool credit = false, decimal? energyCost = null, decimal parking = 0m, decimal? parkingCost = null) => new()
    {
        Id = id,
        StartDateTime = T0,
        EndDateTime = T0.AddHours(2),
        Currency = "EUR",
        ChargingPeriods = [],
        TotalCost = new Price { ExclVat = excl, InclVat = incl },
        TotalEnergy = kwh,
        TotalTime = 2m,
        TotalParkingTime = parking,
        TotalEnergyCost = energyCost is { } e ? new Price { ExclVat = e, InclVat = e * 1.21m } : null,
        TotalParkingCost = parkingCost is { } p ? new Price { ExclVat = p, InclVat = p * 1.21m } : null,
        Credit = credit,
        CreditReferenceId = credit ? "ORIG" : null,
    };

    private static StatementLine Line(Cdr cdr, LineKind? kind = null, long? adjustmentOf = null) =>
        StatementLine.FromCdr(cdr, kind ?? (cdr.Credit == true ? LineKind.Credit : LineKind.Charge), "MATCHED", null, adjustmentOf, null);

    [Fact]
    public void FromCdr_DeclaredComponents_OtherIsWhatMinPriceAdded()
    {
        var line = Line(Cdr("A", 5.00m, 6.05m, energyCost: 3.00m, parking: 0.5m, parkingCost: 1.00m));

        Assert.Equal(new Cost(3.00m, 3.6300m), line.Components.Energy);
        Assert.Equal(new Cost(1.00m, 1.2100m), line.Components.Parking);
        Assert.Equal(new Cost(1.00m, 1.2100m), line.Components.Other);
        Assert.Equal(new Cost(5.00m, 6.05m), line.Total);
        Assert.Equal(1.5m, line.ChargingHours);
        Assert.Equal(0.5m, line.ParkingHours);
    }

    [Theory]
    [InlineData(9.00, 10.89)]
    [InlineData(-9.00, -10.89)]
    public void FromCdr_CreditEitherSign_CountsNegative(decimal excl, decimal incl)
    {
        var line = Line(Cdr("CR", excl, incl, kwh: 30m, credit: true));

        Assert.Equal(new Cost(-9.00m, -10.89m), line.Total);
        Assert.Equal(-30m, line.EnergyKwh);
        Assert.Equal(LineKind.Credit, line.Kind);
    }

    [Fact]
    public void FromCdr_NoInclVat_InclTakenAsExcl()
    {
        Assert.Equal(new Cost(2.5m, 2.5m), Line(Cdr("N", 2.5m, null)).Total);
    }

    [Fact]
    public void Plus_CreditsNettedDisputedApartAdjustmentsIncluded()
    {
        var totals = new StatementTotals()
            .Plus(Line(Cdr("A", 9.00m, 10.89m, kwh: 30m)))
            .Plus(Line(Cdr("B", 3.75m, 4.5375m, kwh: 12.5m), adjustmentOf: 1))
            .Plus(Line(Cdr("CR", 9.00m, 10.89m, kwh: 30m, credit: true)))
            .Plus(Line(Cdr("D", 9.90m, 11.979m, kwh: 22m), LineKind.Disputed));

        Assert.Equal(3, totals.Payable.Count);
        Assert.Equal(new Cost(3.75m, 4.5375m), totals.Payable.Total);
        Assert.Equal(12.5m, totals.Payable.EnergyKwh);
        Assert.Equal(new Cost(-9.00m, -10.89m), totals.Credits.Total);
        Assert.Equal(new Cost(12.75m, 15.4275m), totals.Charges.Total);
        Assert.Equal(new Cost(3.75m, 4.5375m), totals.Adjustments.Total);
        Assert.Equal(1, totals.Disputed.Count);
        Assert.Equal(new Cost(9.90m, 11.979m), totals.Disputed.Total);
        Assert.Equal(new Cost(3.75m, 4.54m), totals.AmountDue("EUR"));
        Assert.Equal(new Cost(4m, 5m), totals.AmountDue("JPY"));
    }

    [Fact]
    public void Csv_LargeGeneratedPeriod_LinesAddUpExactlyToTotals()
    {
        var random = new Random(7);
        var totals = new StatementTotals();
        var sums = new decimal[2][];
        sums[0] = new decimal[17];
        sums[1] = new decimal[17];
        var counts = new int[2];
        using var hasher = new StatementHasher();
        const int N = 200_000;
        for (var i = 1; i <= N; i++)
        {
            var excl = random.Next(1, 100_000) / 10_000m;
            var energy = Math.Round(excl * random.Next(0, 100) / 100m, 4);
            var credit = i % 17 == 0;
            var disputed = !credit && i % 23 == 0;
            var cdr = Cdr($"CDR-{i}", excl, Math.Round(excl * 1.21m, 4), kwh: random.Next(1, 100_000) / 1000m, credit: credit, energyCost: energy,
                parking: random.Next(0, 4) / 4m, parkingCost: random.Next(0, 3) / 100m);
            var line = Line(cdr, disputed ? LineKind.Disputed : null);
            totals = totals.Plus(line);
            var csv = StatementCsv.Line(i, line);
            hasher.Append(csv);

            // Sum what the CSV says, as a finance person would from the export.
            var f = csv.Split(',');
            var section = f[1] == "DISPUTED" ? 1 : 0;
            counts[section]++;
            for (var c = 5; c <= 21; c++)
            {
                sums[section][c - 5] += decimal.Parse(f[c], CultureInfo.InvariantCulture);
            }
        }

        void Check(SectionTotals s, int section)
        {
            var x = sums[section];
            var c = s.Components;
            Assert.Equal(counts[section], s.Count);
            Assert.Equal([s.EnergyKwh, s.ChargingHours, s.ParkingHours], x[0..3]);
            Assert.Equal(
                [c.Energy.ExclVat, c.Energy.InclVat, c.Time.ExclVat, c.Time.InclVat, c.Parking.ExclVat, c.Parking.InclVat, c.Flat.ExclVat, c.Flat.InclVat,
                 c.Reservation.ExclVat, c.Reservation.InclVat, c.Other.ExclVat, c.Other.InclVat, s.Total.ExclVat, s.Total.InclVat],
                x[3..17]);

            // Components add up to the total, line by line and so in sum.
            Assert.Equal(x[15], x[3] + x[5] + x[7] + x[9] + x[11] + x[13]);
        }

        Check(totals.Payable, 0);
        Check(totals.Disputed, 1);
        Assert.Equal(N, totals.Payable.Count + totals.Disputed.Count);
        Assert.Equal(totals.Charges.Total + totals.Credits.Total, totals.Payable.Total);
        Assert.Equal(64, hasher.Finish().Length);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    public void Escape_Field_QuotedOnlyWhenNeeded(string value, string expected) => Assert.Equal(expected, StatementCsv.Escape(value));

    public static TheoryData<int, int, string?> Periods() => new()
    {
        { 0, 31, "EUR" },
        { 0, 92, "JPY" },
    };

    [Theory]
    [MemberData(nameof(Periods))]
    public void Accepts_ValidPeriod(int fromDay, int toDay, string? currency) =>
        Assert.Null(StatementPeriod.Validate(T0.AddDays(fromDay), T0.AddDays(toDay), currency, 92));

    [Theory]
    [InlineData(0, 0, "EUR", "to")]
    [InlineData(5, 1, "EUR", "to")]
    [InlineData(0, 93, "EUR", "to")]
    [InlineData(0, 30, "XYZ", "currency")]
    [InlineData(0, 30, "eur", "currency")]
    [InlineData(0, 30, "", "currency")]
    public void Rejects_InvalidPeriodOrCurrency(int fromDay, int toDay, string currency, string field) =>
        Assert.Equal(field, StatementPeriod.Validate(T0.AddDays(fromDay), T0.AddDays(toDay), currency, 92)?.Field);
}
