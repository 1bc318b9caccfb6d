using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Locations;

namespace ClearingHouse.Application.Tests.Cdrs;

/// <summary>The bounded history of a connector's tariff_ids the location grain keeps (pure rules).</summary>
public sealed class ConnectorTariffHistoryUnitTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);

    private static LocationData Location(DateTimeOffset at, params string[] tariffIds) => new()
    {
        Cpo = new PartyKey("NL", "ABC", PartyRole.Cpo),
        Id = "LOC",
        Evses = [new EvseData { Uid = "E1", LastUpdated = at, Connectors = [new ConnectorData { Id = "1", TariffIds = tariffIds, LastUpdated = at }] }],
        LastUpdated = at,
    };

    [Fact]
    public void Record_TariffIdsChangedTwice_EachEarlierListKeptWithItsSpanAndReadBackAtAnyInstant()
    {
        var v1 = Location(T0, "T-A");
        var v2 = Location(T0.AddHours(12), "T-B");
        var v3 = Location(T0.AddHours(18), "T-C");
        var history = ConnectorTariffHistory.Record([], null, v1, T0.AddDays(-400));
        history = ConnectorTariffHistory.Record(history, v1, v2, T0.AddDays(-400));
        history = ConnectorTariffHistory.Record(history, v2, v3, T0.AddDays(-400));

        Assert.Equal([(T0, T0.AddHours(12)), (T0.AddHours(12), T0.AddHours(18))], history.Select(l => (l.Since, l.Until)));
        string[] ListedAt(double hours) => ConnectorTariffHistory.ListedAt(["T-C"], T0.AddHours(18), history, T0.AddHours(hours))!;
        Assert.Equal(["T-A"], ListedAt(9));
        Assert.Equal(["T-B"], ListedAt(12));
        Assert.Equal(["T-C"], ListedAt(20));
        Assert.Null(ConnectorTariffHistory.ListedAt(["T-C"], T0.AddHours(18), history, T0.AddHours(-1)));
    }

    [Fact]
    public void Record_NothingAboutTariffsChanged_ReturnsTheHeldHistoryItself()
    {
        var held = ConnectorTariffHistory.Record([], Location(T0, "T-A"), Location(T0.AddHours(1), "T-B"), T0.AddDays(-1));

        Assert.Same(held, ConnectorTariffHistory.Record(held, Location(T0.AddHours(1), "T-B"), Location(T0.AddHours(2), "T-B"), T0.AddDays(-1)));
    }

    [Fact]
    public void Record_ManyChangesAndOldOnes_KeepsOnlyThoseEndingAfterTheHorizonAndAtMostTheCapPerConnector()
    {
        var history = Array.Empty<ConnectorTariffListing>();
        var previous = Location(T0, "T-0");
        for (var i = 1; i <= ConnectorTariffHistory.MaxPerConnector + 10; i++)
        {
            var next = Location(T0.AddHours(i), $"T-{i}");
            history = ConnectorTariffHistory.Record(history, previous, next, T0.AddDays(-1));
            previous = next;
        }

        Assert.Equal(ConnectorTariffHistory.MaxPerConnector, history.Length);
        Assert.Equal(T0.AddHours(ConnectorTariffHistory.MaxPerConnector + 10), history[^1].Until);
        var aged = ConnectorTariffHistory.Record(history, previous, previous, T0.AddHours(ConnectorTariffHistory.MaxPerConnector + 5));
        Assert.Equal(6, aged.Length); // the listings ending at hours 37..42 (horizon 37 inclusive)
        Assert.All(aged, l => Assert.True(l.Until >= T0.AddHours(ConnectorTariffHistory.MaxPerConnector + 5)));
    }
}
