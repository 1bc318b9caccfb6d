using ClearingHouse.Grains.Locations;
using ClearingHouse.Storage.Tests.Infrastructure;

namespace ClearingHouse.Storage.Tests.Locations;

/// <summary>The location index of <see cref="ILocationStore"/> (keyset pages and their filters), on each real backend.</summary>
public abstract class LocationStoreTestBase : IAsyncLifetime
{
    private static int _counter;
    private readonly StoreBackend _backend;

    protected LocationStoreTestBase(StoreBackend backend)
    {
        _backend = backend;
        Store = backend.CreateLocationStore();
    }

    protected ILocationStore Store { get; }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    [Fact]
    public async Task PageAsync_KeysetPagesOfTwo_EveryRowOnceInOrdinalOrder()
    {
        var (a, b) = (NewCpo("NL"), NewCpo("NL"));
        string[] ids = ["b", "A", "a", "B", "10", "9"];
        foreach (var cpo in new[] { b, a })
        {
            foreach (var id in ids)
            {
                await Store.UpsertIndexAsync(new LocationIndexEntry(cpo, id, "NL", 1));
            }
        }

        var read = new List<(string, string)>();
        (string Cpo, string LocationId)? after = null;
        while (true)
        {
            var page = await Store.PageAsync(new LocationIndexQuery { Cpos = [a, b], After = after, Limit = 2 });
            Assert.InRange(page.Count, 0, 2);
            if (page.Count == 0)
            {
                break;
            }

            read.AddRange(page.Select(e => (e.Cpo, e.LocationId)));
            after = (page[^1].Cpo, page[^1].LocationId);
        }

        var expected = new[] { a, b }.Order(StringComparer.Ordinal)
            .SelectMany(cpo => ids.Order(StringComparer.Ordinal).Select(id => (cpo, id)))
            .ToList();
        Assert.Equal(expected, read);
    }

    [Fact]
    public async Task CountStatusesAsync_TwoCposMixedStatuses_CountedPerCpoAndStatus()
    {
        var (a, b) = (NewCpo("NL"), NewCpo("DE"));
        await Store.WriteStatusesAsync(
        [
            new EvseStatusRow($"{a}/L1", "E1", Domain.Locations.EvseStatus.Available, 1),
            new EvseStatusRow($"{a}/L1", "E2", Domain.Locations.EvseStatus.Charging, 1),
            new EvseStatusRow($"{a}/L2", "E1", Domain.Locations.EvseStatus.Available, 1),
            new EvseStatusRow($"{b}/L1", "E1", Domain.Locations.EvseStatus.OutOfOrder, 1),
        ]);

        var counts = (await Store.CountStatusesAsync()).Where(c => c.Cpo == a || c.Cpo == b).ToList();
        Assert.Equal(
            new[]
            {
                new EvseStatusCount(a, Domain.Locations.EvseStatus.Available, 2),
                new EvseStatusCount(a, Domain.Locations.EvseStatus.Charging, 1),
                new EvseStatusCount(b, Domain.Locations.EvseStatus.OutOfOrder, 1),
            }.OrderBy(c => c.Cpo, StringComparer.Ordinal).ThenBy(c => c.Status),
            counts.OrderBy(c => c.Cpo, StringComparer.Ordinal).ThenBy(c => c.Status));
    }

    [Fact]
    public async Task PageAsync_CountryAndUpdatedSince_OnlyMatchingRows()
    {
        var (nl, de) = (NewCpo("NL"), NewCpo("DE"));
        await Store.UpsertIndexAsync(new LocationIndexEntry(nl, "OLD", "NL", 100));
        await Store.UpsertIndexAsync(new LocationIndexEntry(nl, "NEW", "NL", 300));
        await Store.UpsertIndexAsync(new LocationIndexEntry(de, "NEW", "DE", 300));

        var byCountry = await Store.PageAsync(new LocationIndexQuery { Cpos = [nl, de], CountryCode = "DE", Limit = 10 });
        var since = await Store.PageAsync(new LocationIndexQuery { Cpos = [nl, de], UpdatedSinceTicks = 200, Limit = 10 });
        var both = await Store.PageAsync(new LocationIndexQuery { Cpos = [nl, de], CountryCode = "NL", UpdatedSinceTicks = 300, Limit = 10 });

        Assert.Equal([new LocationIndexEntry(de, "NEW", "DE", 300)], byCountry);
        Assert.Equal([(de, "NEW"), (nl, "NEW")], since.Select(e => (e.Cpo, e.LocationId)).Order());
        Assert.Equal([new LocationIndexEntry(nl, "NEW", "NL", 300)], both);
    }

    [Fact]
    public async Task CountAsync_Filters_CountsMatchingRowsIgnoringPosition()
    {
        var (nl, de) = (NewCpo("NL"), NewCpo("DE"));
        await Store.UpsertIndexAsync(new LocationIndexEntry(nl, "OLD", "NL", 100));
        await Store.UpsertIndexAsync(new LocationIndexEntry(nl, "NEW", "NL", 300));
        await Store.UpsertIndexAsync(new LocationIndexEntry(de, "NEW", "DE", 300));

        Assert.Equal(3, await Store.CountAsync(new LocationIndexQuery { Cpos = [nl, de], After = (nl, "ZZZ"), Limit = 1 }));
        Assert.Equal(1, await Store.CountAsync(new LocationIndexQuery { Cpos = [nl, de], CountryCode = "DE", Limit = 0 }));
        Assert.Equal(1, await Store.CountAsync(new LocationIndexQuery { Cpos = [nl, de], UpdatedSinceTicks = 100, UpdatedBeforeTicks = 300, Limit = 0 }));
        Assert.Equal(0, await Store.CountAsync(new LocationIndexQuery { Cpos = [], Limit = 0 }));
    }

    [Fact]
    public async Task PageAsync_OtherCpoOrNoCpo_ReturnsNothing()
    {
        var cpo = NewCpo("NL");
        await Store.UpsertIndexAsync(new LocationIndexEntry(cpo, "L1", "NL", 1));

        Assert.Empty(await Store.PageAsync(new LocationIndexQuery { Cpos = [], Limit = 10 }));
        Assert.Empty(await Store.PageAsync(new LocationIndexQuery { Cpos = [NewCpo("NL")], Limit = 10 }));
        Assert.Single(await Store.PageAsync(new LocationIndexQuery { Cpos = [cpo], Limit = 10 }));
    }

    [Fact]
    public async Task UpsertIndexAsync_SameLocationAgain_ReplacesTheRow()
    {
        var cpo = NewCpo("NL");
        await Store.UpsertIndexAsync(new LocationIndexEntry(cpo, "L1", "NL", 1));
        await Store.UpsertIndexAsync(new LocationIndexEntry(cpo, "L1", "BE", 2));

        var page = await Store.PageAsync(new LocationIndexQuery { Cpos = [cpo], Limit = 10 });

        Assert.Equal([new LocationIndexEntry(cpo, "L1", "BE", 2)], page);
    }

    private static string NewCpo(string country)
    {
        var n = Interlocked.Increment(ref _counter);
        return $"{country}-X{(char)('A' + (n % 26))}{(char)('A' + (n / 26 % 26))}-CPO";
    }
}
