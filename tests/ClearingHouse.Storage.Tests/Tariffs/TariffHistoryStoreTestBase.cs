using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Settlement;
using ClearingHouse.Grains.Tariffs;
using ClearingHouse.Storage.Tests.Infrastructure;

namespace ClearingHouse.Storage.Tests.Tariffs;

/// <summary>
/// The <see cref="ITariffHistoryStore"/> contract, and the flagged CDRs the history serves (stored with their check,
/// counted per kind for the findings), on each real backend.
/// </summary>
public abstract class TariffHistoryStoreTestBase(StoreBackend backend) : IAsyncLifetime
{
    private static readonly DateTimeOffset Day = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
    private static int _counter;

    private ITariffHistoryStore Store { get; set; } = null!;

    public Task InitializeAsync()
    {
        Store = backend.CreateTariffHistoryStore();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await backend.DisposeAsync();

    private static PartyKey NewCpo()
    {
        var n = Interlocked.Increment(ref _counter);
        return new PartyKey("NL", $"H{(char)('A' + (n % 26))}{Environment.ProcessId % 10}", PartyRole.Cpo);
    }

    private static TariffRecord Version(string id, DateTimeOffset lastUpdated, string price = "0.30") => new()
    {
        Id = id,
        Currency = "EUR",
        LastUpdated = lastUpdated,
        OcpiJson = $$"""{"id":"{{id}}","currency":"EUR","elements":[{"price_components":[{"type":"ENERGY","price":{{price}},"step_size":1}]}],"last_updated":"{{lastUpdated:O}}"}""",
    };

    [Fact]
    public async Task ListAsync_VersionsRecordedOutOfOrder_OldestFirstAndOnlyThatTariff()
    {
        var cpo = NewCpo();
        await Store.RecordAsync(cpo, Version("T-DAY", Day.AddHours(12), "0.40"));
        await Store.RecordAsync(cpo, Version("T-DAY", Day.AddDays(-1)));
        await Store.RecordAsync(cpo, Version("T-OTHER", Day));

        var versions = await Store.ListAsync(cpo, "T-DAY");

        Assert.Equal([Day.AddDays(-1), Day.AddHours(12)], versions.Select(v => v.LastUpdated));
        Assert.Contains("0.40", versions[1].OcpiJson, StringComparison.Ordinal);
        Assert.All(versions, v => Assert.Equal(("T-DAY", "EUR"), (v.Id, v.Currency)));
    }

    [Fact]
    public async Task RecordAsync_SameLastUpdatedAgain_ReplacedNotDuplicated()
    {
        var cpo = NewCpo();
        await Store.RecordAsync(cpo, Version("T-DAY", Day));
        await Store.RecordAsync(cpo, Version("T-DAY", Day, "0.35"));

        var version = Assert.Single(await Store.ListAsync(cpo, "T-DAY"));
        Assert.Contains("0.35", version.OcpiJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsOfAsync_BeforeBetweenAndAtAChange_TheVersionInForce()
    {
        var cpo = NewCpo();
        await Store.RecordAsync(cpo, Version("T-DAY", Day.AddDays(-1)));
        await Store.RecordAsync(cpo, Version("T-DAY", Day.AddHours(12), "0.40"));

        Assert.Null(await Store.GetAsOfAsync(cpo, "T-DAY", Day.AddDays(-2)));
        Assert.Equal(Day.AddDays(-1), (await Store.GetAsOfAsync(cpo, "T-DAY", Day.AddHours(9)))!.LastUpdated);
        Assert.Equal(Day.AddHours(12), (await Store.GetAsOfAsync(cpo, "T-DAY", Day.AddHours(12)))!.LastUpdated);
        Assert.Null(await Store.GetAsOfAsync(NewCpo(), "T-DAY", Day));
    }

    [Fact]
    public async Task PruneAsync_Horizon_KeepsTheVersionInForceThenAndEveryLaterOne()
    {
        var cpo = NewCpo();
        foreach (var days in new[] { -30, -20, -10, -1 })
        {
            await Store.RecordAsync(cpo, Version("T-DAY", Day.AddDays(days)));
        }

        var removed = await Store.PruneAsync(cpo, "T-DAY", Day.AddDays(-15));
        var none = await Store.PruneAsync(cpo, "T-DAY", Day.AddDays(-100));

        Assert.Equal((1, 0), (removed, none));
        Assert.Equal([Day.AddDays(-20), Day.AddDays(-10), Day.AddDays(-1)], (await Store.ListAsync(cpo, "T-DAY")).Select(v => v.LastUpdated));
    }

    [Fact]
    public async Task FindPriceMismatchesAsync_EachFlag_CountedUnderItsOwnKind()
    {
        var settlement = await backend.CreateSettlementStoreAsync();
        var cpo = NewCpo();
        var emsp = new PartyKey("DE", cpo.PartyId, PartyRole.Emsp);
        var end = Day.AddYears(5).AddHours(_counter); // later than every other test's CDRs, so "since" isolates these
        StoredCdr Cdr(string id, PriceCheck check) => new()
        {
            Cpo = cpo, Id = id, Emsp = emsp, StartDateTime = end.AddHours(-1), EndDateTime = end, Currency = "EUR",
            TotalCostExclVat = 6m, TotalCostInclVat = 6.6m, PriceCheck = check, ReceivedAt = end, OcpiJson = "{}", TariffId = "T-DAY",
            HubPriceJson = check == PriceCheck.TariffNotActive ? """{"check":{"verdict":3,"tariff_id":"T-DAY","note":"outside"}}""" : null,
        };
        await backend.Cdrs.InsertAsync(cpo, [Cdr("N1", PriceCheck.TariffNotListed), Cdr("N2", PriceCheck.TariffNotListed), Cdr("A1", PriceCheck.TariffNotActive), Cdr("M1", PriceCheck.Mismatch)]);

        var notListed = await settlement.FindPriceMismatchesAsync(end.AddMinutes(-1), 10, PriceCheck.TariffNotListed);
        var notActive = await settlement.FindPriceMismatchesAsync(end.AddMinutes(-1), 10, PriceCheck.TariffNotActive);
        var stored = await backend.Cdrs.GetAsync(cpo, "A1");

        Assert.Equal(2, notListed.Count);
        Assert.Equal(["N1", "N2"], notListed.Examples.Select(e => e.CdrId).Order());
        Assert.Equal("A1", Assert.Single(notActive.Examples).CdrId);
        Assert.Equal(PriceCheck.TariffNotActive, stored!.PriceCheck);
        Assert.Contains("\"verdict\":3", stored.HubPriceJson, StringComparison.Ordinal);
    }
}
