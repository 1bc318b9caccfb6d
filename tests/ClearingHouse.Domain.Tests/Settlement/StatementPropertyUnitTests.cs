using ClearingHouse.Domain.Settlement;
using ClearingHouse.Domain.Tariffs;

namespace ClearingHouse.Domain.Tests.Settlement;

/// <summary>
/// Property: whatever mix of CDRs, credits (either sign), late CDRs and disputes (in any state, revisions included)
/// reaches a statement, its figures per currency equal the sums computed straight from the CDRs' declared amounts,
/// in any order. Each seed is one random mix; a failure names the seed, currency and figure to replay it.
/// </summary>
public sealed class StatementPropertyUnitTests
{
    private static readonly string[] Currencies = ["EUR", "JPY", "KWD", "CHF"];

    private static readonly DateTimeOffset T0 = new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>One generated CDR and how it reaches the statement.</summary>
    private sealed record Case(Cdr Cdr, DisputeState? Dispute, long? AdjustmentOf);

    private const int SeedCount = 40;

    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, SeedCount)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Plus_AnyMixOfCdrs_LinesSumToTotalsPerCurrency(int seed)
    {
        var random = new Random(seed);
        var cases = Generate(random, random.Next(1, 250));

        foreach (var currency in Currencies)
        {
            var mine = cases.Where(c => c.Cdr.Currency == currency).ToList();
            var lines = mine.Select(ToLine).ToList();
            var totals = Sum(lines);
            var where = $"seed {seed}, {currency}, {mine.Count} CDRs";

            // The oracle: the CDRs' own declared figures, signed, summed per section without StatementLine.
            var payable = mine.Where(c => !IsApart(c)).ToList();
            var disputed = mine.Where(IsApart).ToList();
            AssertSection(payable, totals.Payable, where + ", payable");
            AssertSection(payable.Where(c => c.Cdr.Credit != true).ToList(), totals.Charges, where + ", charges");
            AssertSection(payable.Where(c => c.Cdr.Credit == true).ToList(), totals.Credits, where + ", credits");
            AssertSection(payable.Where(c => c.AdjustmentOf is not null).ToList(), totals.Adjustments, where + ", adjustments");
            AssertSection(disputed, totals.Disputed, where + ", disputed");

            // The sections partition the lines, and charges plus credits are what is payable.
            Assert.True(totals.Payable.Count + totals.Disputed.Count == mine.Count, where);
            Assert.True(totals.Charges.Total + totals.Credits.Total == totals.Payable.Total, where);
            Assert.True(totals.Charges.Components + totals.Credits.Components == totals.Payable.Components, where);

            // The amount due is the payable total rounded once, to the currency's minor unit.
            var halfUnit = 0.5m / Pow10(StatementTotals.MinorUnits(currency));
            var due = totals.AmountDue(currency);
            Assert.True(Math.Abs(due.ExclVat - totals.Payable.Total.ExclVat) <= halfUnit, $"{where}: due {due} for {totals.Payable.Total}");
            Assert.True(Math.Abs(due.InclVat - totals.Payable.Total.InclVat) <= halfUnit, $"{where}: due {due} for {totals.Payable.Total}");

            // Order does not matter: the arithmetic is exact.
            Assert.True(Sum([.. lines.OrderBy(_ => random.Next())]) == totals, where + ": another order gave other totals");
        }
    }

    [Fact]
    public void Generate_AllSeeds_CoverEveryKindOfLine()
    {
        // Guards the property against a generator that stopped producing some mix.
        var all = Enumerable.Range(1, SeedCount).SelectMany(seed =>
        {
            var random = new Random(seed);
            return Generate(random, random.Next(1, 250));
        }).ToList();

        Assert.Contains(all, c => c.Cdr.Credit == true && c.Cdr.TotalCost.ExclVat < 0);
        Assert.Contains(all, c => c.Cdr.Credit == true && c.Cdr.TotalCost.ExclVat > 0);
        Assert.Contains(all, c => c.AdjustmentOf is not null && c.Cdr.Credit != true);
        Assert.Contains(all, c => c.AdjustmentOf is not null && c.Cdr.Credit == true);
        Assert.Contains(all, c => c.Cdr.TotalCost.InclVat is null);
        Assert.All(Enum.GetValues<DisputeState>(), state => Assert.Contains(all, c => c.Dispute == state));
        Assert.All(Currencies, currency => Assert.Contains(all, c => c.Cdr.Currency == currency));
    }

    private static StatementTotals Sum(IEnumerable<StatementLine> lines) =>
        lines.Aggregate(new StatementTotals(), (totals, line) => totals.Plus(line));

    private static bool IsApart(Case c) => c.Dispute is { } state && DisputeRules.KeepsCdrApart(state);

    private static StatementLine ToLine(Case c)
    {
        var kind = IsApart(c) ? LineKind.Disputed : c.Cdr.Credit == true ? LineKind.Credit : LineKind.Charge;
        var dispute = c.Dispute is { } state ? DisputeRules.Name(state) : null;
        return StatementLine.FromCdr(c.Cdr, kind, "MATCHED", null, c.AdjustmentOf, dispute);
    }

    private static void AssertSection(List<Case> cases, SectionTotals section, string where)
    {
        decimal Signed(Case c, decimal v) => c.Cdr.Credit == true ? -Math.Abs(v) : v;
        Cost Of(Case c, Price? p) => p is null ? Cost.Zero : new Cost(Signed(c, p.ExclVat), Signed(c, p.InclVat ?? p.ExclVat));
        Cost SumOf(Func<Cdr, Price?> field) => cases.Aggregate(Cost.Zero, (sum, c) => sum + Of(c, field(c.Cdr)));

        var total = SumOf(c => c.TotalCost);
        var expected = new (string Name, object Value)[]
        {
            ("count", cases.Count),
            ("total", total),
            ("energy cost", SumOf(c => c.TotalEnergyCost)),
            ("time cost", SumOf(c => c.TotalTimeCost)),
            ("parking cost", SumOf(c => c.TotalParkingCost)),
            ("fixed cost", SumOf(c => c.TotalFixedCost)),
            ("reservation cost", SumOf(c => c.TotalReservationCost)),
            ("kWh", cases.Sum(c => Signed(c, c.Cdr.TotalEnergy))),
            ("parking hours", cases.Sum(c => Signed(c, c.Cdr.TotalParkingTime ?? 0m))),
            ("charging hours", cases.Sum(c => Signed(c, c.Cdr.TotalTime - (c.Cdr.TotalParkingTime ?? 0m)))),
        };
        var actual = new (string Name, object Value)[]
        {
            ("count", section.Count),
            ("total", section.Total),
            ("energy cost", section.Components.Energy),
            ("time cost", section.Components.Time),
            ("parking cost", section.Components.Parking),
            ("fixed cost", section.Components.Flat),
            ("reservation cost", section.Components.Reservation),
            ("kWh", section.EnergyKwh),
            ("parking hours", section.ParkingHours),
            ("charging hours", section.ChargingHours),
        };
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(expected[i].Value.Equals(actual[i].Value), $"{where}: {expected[i].Name} expected {expected[i].Value}, statement says {actual[i].Value}");
        }

        // What min/max price or rounding added stays on the statement, so components always add up to the total.
        Assert.True(section.Components.Total == total, where + ": components do not add up to the total");
    }

    private static List<Case> Generate(Random random, int count)
    {
        var cases = new List<Case>();
        for (var i = 0; i < count; i++)
        {
            var currency = Currencies[random.Next(Currencies.Length)];
            var cdr = RandomCdr(random, $"CDR-{i}", currency);
            var adjustmentOf = random.Next(10) == 0 ? random.Next(1, 5) : (long?)null;
            var roll = random.Next(10);
            if (roll < 6)
            {
                cases.Add(new(cdr, null, adjustmentOf));
                continue;
            }

            if (roll < 8)
            {
                // A credit CDR for an earlier (or this) charge: OCPI lets CPOs send its amounts with either sign.
                cases.Add(new(cdr, null, adjustmentOf));
                cases.Add(new(Credit(cdr, $"CR-{i}", negative: random.Next(2) == 0), null, random.Next(10) == 0 ? 1 : null));
                continue;
            }

            var state = (DisputeState)random.Next(1, 6);
            cases.Add(new(cdr, state, adjustmentOf));
            if (state == DisputeState.Revised)
            {
                // Revised: the CPO credited the disputed CDR and sent a new one; all three count as billed.
                cases.Add(new(Credit(cdr, $"CR-{i}", negative: true), null, null));
                cases.Add(new(RandomCdr(random, $"CDR-{i}-2", currency), null, null));
            }
        }

        return cases;
    }

    private static Cdr Credit(Cdr original, string id, bool negative)
    {
        Price? Flip(Price? p) => p is null || !negative ? p : new Price { ExclVat = -p.ExclVat, InclVat = -p.InclVat };
        return original with
        {
            Id = id,
            Credit = true,
            CreditReferenceId = original.Id,
            TotalCost = Flip(original.TotalCost)!,
            TotalEnergyCost = Flip(original.TotalEnergyCost),
            TotalTimeCost = Flip(original.TotalTimeCost),
            TotalParkingCost = Flip(original.TotalParkingCost),
            TotalFixedCost = Flip(original.TotalFixedCost),
            TotalReservationCost = Flip(original.TotalReservationCost),
            TotalEnergy = negative ? -original.TotalEnergy : original.TotalEnergy,
        };
    }

    /// <summary>A CDR with figures at 4 decimals, some components missing, and a total that may exceed their sum (min_price).</summary>
    private static Cdr RandomCdr(Random random, string id, string currency)
    {
        decimal Amount() => random.Next(0, 2_000_000) / 10_000m;
        Price? Maybe()
        {
            if (random.Next(3) == 0)
            {
                return null;
            }

            var excl = Amount();
            return new Price { ExclVat = excl, InclVat = random.Next(4) == 0 ? null : Math.Round(excl * (1m + (random.Next(0, 26) / 100m)), 4) };
        }

        Price?[] parts = [Maybe(), Maybe(), Maybe(), Maybe(), Maybe()];
        var excl = parts.Sum(p => p?.ExclVat ?? 0m) + (random.Next(5) == 0 ? Amount() : 0m);
        var incl = parts.Sum(p => p?.InclVat ?? p?.ExclVat ?? 0m) + (random.Next(5) == 0 ? Amount() : 0m);
        // OCPI numbers carry 4 decimals. (Hours such as 1/60 with 28 digits would make even decimal sums depend on
        // order at the 28th digit: the statement's exactness rests on CDR figures having few decimals.)
        var hours = Math.Round(random.Next(1, 48 * 60) / 60m, 4, MidpointRounding.AwayFromZero);
        return new Cdr
        {
            Id = id,
            StartDateTime = T0,
            EndDateTime = T0.AddHours((double)hours),
            Currency = currency,
            ChargingPeriods = [],
            TotalCost = new Price { ExclVat = excl, InclVat = random.Next(6) == 0 ? null : incl },
            TotalEnergyCost = parts[0],
            TotalTimeCost = parts[1],
            TotalParkingCost = parts[2],
            TotalFixedCost = parts[3],
            TotalReservationCost = parts[4],
            TotalEnergy = random.Next(0, 150_000) / 1000m,
            TotalTime = hours,
            TotalParkingTime = random.Next(3) == 0 ? null : Math.Round(hours * random.Next(0, 100) / 100m, 4, MidpointRounding.AwayFromZero),
        };
    }

    private static decimal Pow10(int exponent)
    {
        var value = 1m;
        for (var i = 0; i < exponent; i++)
        {
            value *= 10m;
        }

        return value;
    }
}
