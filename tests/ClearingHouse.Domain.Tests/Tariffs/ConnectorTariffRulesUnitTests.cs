using ClearingHouse.Domain.Tariffs;
using static ClearingHouse.Domain.Tests.Tariffs.TariffBuilder;

namespace ClearingHouse.Domain.Tests.Tariffs;

/// <summary>The one-active-tariff-per-type rule at a connector (OCPI 2.3 connector tariff_ids).</summary>
public sealed class ConnectorTariffRulesUnitTests
{
    private static readonly Tariff Base = Tariff(Element(EnergyPrice(0.30m, 21m)));

    private static Tariff T(string id, TariffType? type, DateTimeOffset? from = null, DateTimeOffset? until = null) =>
        Base with { Id = id, Type = type, StartDateTime = from, EndDateTime = until };

    private static readonly DateTimeOffset Feb1 = Utc(2026, 2, 1, 0);
    private static readonly DateTimeOffset Mar1 = Utc(2026, 3, 1, 0);

    // REGULAR changes on Feb 1 (January's ends where February's starts), one PROFILE_CHEAP, one tariff without a type.
    private static readonly Tariff[] Connector =
    [
        T("regular-jan", TariffType.Regular, until: Feb1),
        T("regular-feb", TariffType.Regular, from: Feb1),
        T("cheap", TariffType.ProfileCheap),
        T("any", null, until: Mar1),
    ];

    [Theory]
    [InlineData(TariffType.Regular, "2026-01-31T23:59:59Z", "regular-jan")]
    [InlineData(TariffType.Regular, "2026-02-01T00:00:00Z", "regular-feb")] // end exclusive, start inclusive
    [InlineData(TariffType.ProfileCheap, "2026-01-15T12:00:00Z", "cheap")]
    [InlineData(TariffType.ProfileFast, "2026-01-15T12:00:00Z", "any")] // no PROFILE_FAST: the untyped tariff
    [InlineData(TariffType.AdHocPayment, "2026-02-28T23:00:00Z", "any")]
    public void Select_OneActiveTariffOfTheType_PicksIt(TariffType type, string at, string expected)
    {
        var selection = ConnectorTariffRules.Select(Connector, type, DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(TariffSelectionOutcome.Selected, selection.Outcome);
        Assert.Equal(expected, selection.Tariff!.Id);
        Assert.Null(selection.Reason);
    }

    [Fact]
    public void Select_NoTariffOfTheTypeNorUntypedActive_ReportsNoneActive()
    {
        // After Mar 1 the untyped tariff has ended; PROFILE_GREEN never had one, and REGULAR does not stand in.
        var selection = ConnectorTariffRules.Select(Connector, TariffType.ProfileGreen, Mar1);

        Assert.Equal(TariffSelectionOutcome.NoneActive, selection.Outcome);
        Assert.Null(selection.Tariff);
        Assert.Contains("PROFILE_GREEN", selection.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Select_TwoRegularTariffsActiveTogether_ReportsTheConflict()
    {
        Tariff[] tariffs = [.. Connector, T("regular-promo", TariffType.Regular, from: Utc(2026, 2, 10, 0), until: Utc(2026, 2, 20, 0))];

        var selection = ConnectorTariffRules.Select(tariffs, TariffType.Regular, Utc(2026, 2, 14, 12));

        Assert.Equal(TariffSelectionOutcome.Conflict, selection.Outcome);
        Assert.Null(selection.Tariff);
        Assert.Equal(["regular-feb", "regular-promo"], selection.Conflicting.Select(t => t.Id));
        Assert.Contains("REGULAR", selection.Reason, StringComparison.Ordinal);

        // Outside the promotion's window the rule holds again.
        Assert.Equal("regular-feb", ConnectorTariffRules.Select(tariffs, TariffType.Regular, Utc(2026, 2, 20, 0)).Tariff!.Id);
    }

    [Fact]
    public void Select_TwoUntypedTariffsActive_ReportsTheConflict()
    {
        var selection = ConnectorTariffRules.Select([T("a", null), T("b", null)], TariffType.Regular, Feb1);

        Assert.Equal(TariffSelectionOutcome.Conflict, selection.Outcome);
        Assert.Contains("without a type", selection.Reason, StringComparison.Ordinal);
    }

    public static TheoryData<string> ValidLists() => ["one of each type", "same type, adjacent windows", "same type, gap between windows", "same id twice"];

    public static TheoryData<string, string> InvalidLists() => new()
    {
        { "two unbounded REGULAR", "a+b" },
        { "REGULAR without end then one starting later", "a+b" },
        { "windows overlapping by one second", "a+b" },
        { "two untyped", "a+b" },
        { "three overlapping PROFILE_FAST", "a+b, a+c, b+c" },
    };

    private static Tariff[] List(string scenario) => scenario switch
    {
        "one of each type" => [T("a", TariffType.Regular), T("b", TariffType.AdHocPayment), T("c", TariffType.ProfileCheap), T("d", TariffType.ProfileFast), T("e", TariffType.ProfileGreen), T("f", null)],
        "same type, adjacent windows" => [T("a", TariffType.Regular, until: Feb1), T("b", TariffType.Regular, from: Feb1, until: Mar1), T("c", TariffType.Regular, from: Mar1)],
        "same type, gap between windows" => [T("a", TariffType.Regular, until: Feb1), T("b", TariffType.Regular, from: Mar1)],
        "same id twice" => [T("a", TariffType.Regular), T("a", TariffType.Regular)],
        "two unbounded REGULAR" => [T("a", TariffType.Regular), T("b", TariffType.Regular)],
        "REGULAR without end then one starting later" => [T("a", TariffType.Regular, from: Feb1), T("b", TariffType.Regular, from: Mar1)],
        "windows overlapping by one second" => [T("a", TariffType.Regular, until: Feb1.AddSeconds(1)), T("b", TariffType.Regular, from: Feb1)],
        "two untyped" => [T("a", null, from: Feb1), T("b", null, until: Mar1)],
        "three overlapping PROFILE_FAST" => [T("a", TariffType.ProfileFast), T("b", TariffType.ProfileFast, from: Feb1), T("c", TariffType.ProfileFast, until: Mar1)],
        _ => throw new ArgumentOutOfRangeException(nameof(scenario), scenario, "unknown scenario"),
    };

    [Theory]
    [MemberData(nameof(ValidLists))]
    public void Accepts_ConnectorTariffList(string scenario)
    {
        Assert.Empty(ConnectorTariffRules.FindOverlaps(List(scenario)));
    }

    [Theory]
    [MemberData(nameof(InvalidLists))]
    public void Rejects_ConnectorTariffListWithOverlappingTypes(string scenario, string pairs)
    {
        var overlaps = ConnectorTariffRules.FindOverlaps(List(scenario));

        Assert.Equal(pairs, string.Join(", ", overlaps.Select(o => o.First.Id + "+" + o.Second.Id)));
    }
}
