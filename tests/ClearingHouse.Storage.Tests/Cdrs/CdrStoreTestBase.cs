using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Cdrs;

namespace ClearingHouse.Storage.Tests.Cdrs;

/// <summary>The <see cref="ICdrStore"/> contract, run against each real backend.</summary>
public abstract class CdrStoreTestBase
{
    private static int _counter;

    protected abstract ICdrStore Store { get; }

    private ICdrFeedStore Feed => (ICdrFeedStore)Store;

    // On PostgreSQL a committed CDR becomes readable in the feed once every older writing transaction of the database
    // has ended; the shared test database has other writers, so a reader polls, as a subscriber does.
    protected async Task<IReadOnlyList<CdrFeedEntry>> ReadFeedUntilAsync(PartyKey emsp, CdrFeedPosition after, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var page = await ((ICdrFeedStore)Store).ReadFeedAsync(emsp, after, 100);
            if (page.Count >= count || DateTime.UtcNow > deadline)
            {
                return page;
            }

            await Task.Delay(10);
        }
    }

    protected static PartyKey NewCpo() => new("NL", Next(), PartyRole.Cpo);

    protected static PartyKey NewEmsp() => new("DE", Next(), PartyRole.Emsp);

    protected static StoredCdr Cdr(PartyKey cpo, PartyKey emsp, string id, DateTimeOffset end, decimal total = 1.5m) => new()
    {
        Cpo = cpo,
        Id = id,
        Emsp = emsp,
        StartDateTime = end.AddHours(-1),
        EndDateTime = end,
        Currency = "EUR",
        TotalCostExclVat = total,
        TotalCostInclVat = total * 1.21m,
        PriceCheck = PriceCheck.Matched,
        HubPriceJson = "{\"total\":1}",
        ReceivedAt = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
        OcpiJson = $"{{\"id\":\"{id}\",\"total\":{total}}}",
    };

    [Fact]
    public async Task InsertAsync_NewCdrs_StoresEveryFieldExactly()
    {
        var (cpo, emsp) = (NewCpo(), NewEmsp());
        var end = new DateTimeOffset(2026, 3, 29, 1, 30, 0, 123, TimeSpan.Zero);
        var cdr = Cdr(cpo, emsp, "CDR-1", end, 12.3456m) with { Credit = false, TariffId = "T1", PriceCheck = PriceCheck.Mismatch };

        var inserted = await Store.InsertAsync(cpo, [cdr]);

        Assert.Equal(["CDR-1"], inserted);
        var read = await Store.GetAsync(cpo, "CDR-1");
        Assert.Equal(cdr, read);
    }

    [Fact]
    public async Task InsertAsync_CreditCdrWithoutOptionalFields_StoresEveryFieldExactly()
    {
        var (cpo, emsp) = (NewCpo(), NewEmsp());
        var end = new DateTimeOffset(2026, 3, 30, 23, 59, 59, 999, TimeSpan.Zero);
        var credit = Cdr(cpo, emsp, "CREDIT-1", end, -0.0001m) with
        {
            Credit = true,
            CreditReferenceId = "CDR-0",
            TotalCostInclVat = null,
            TariffId = null,
            HubPriceJson = null,
            PriceCheck = PriceCheck.NotChecked,
            OcpiJson = "{\"id\":\"CREDIT-1\",\"note\":\"caf\u00e9 \ud83d\udd0c\"}",
        };
        var plain = Cdr(cpo, emsp, "CDR-2", end) with { CreditReferenceId = null };

        var inserted = await Store.InsertAsync(cpo, [credit, plain]);

        Assert.Equal(["CDR-2", "CREDIT-1"], inserted.Order(StringComparer.Ordinal));
        Assert.Equal(credit, await Store.GetAsync(cpo, "CREDIT-1"));
        Assert.Equal(plain, await Store.GetAsync(cpo, "CDR-2"));
    }

    [Fact]
    public async Task InsertAsync_SameIdOtherContent_DuplicateAndFirstKept()
    {
        var (cpo, emsp) = (NewCpo(), NewEmsp());
        var end = new DateTimeOffset(2026, 2, 1, 10, 0, 0, TimeSpan.Zero);
        await Store.InsertAsync(cpo, [Cdr(cpo, emsp, "A", end, 1m)]);

        // Same id, other day (so another partition in PostgreSQL) and other amount: still the same CDR.
        var again = await Store.InsertAsync(cpo, [Cdr(cpo, emsp, "A", end.AddDays(3), 9m), Cdr(cpo, emsp, "B", end, 2m)]);

        Assert.Equal(["B"], again);
        Assert.Equal(1m, (await Store.GetAsync(cpo, "A"))!.TotalCostExclVat);
        Assert.Equal(2, (await Store.ListAsync(new CdrQuery { Cpo = cpo, Limit = 10 })).Count);
    }

    [Fact]
    public async Task InsertAsync_SameIdOtherCpo_IsAnotherCdr()
    {
        var (a, b, emsp) = (NewCpo(), NewCpo(), NewEmsp());
        var end = new DateTimeOffset(2026, 2, 1, 10, 0, 0, TimeSpan.Zero);

        Assert.Single(await Store.InsertAsync(a, [Cdr(a, emsp, "X", end)]));
        Assert.Single(await Store.InsertAsync(b, [Cdr(b, emsp, "X", end)]));
    }

    [Fact]
    public async Task InsertAsync_ConcurrentRetriesOfOneBatch_EachCdrStoredOnce()
    {
        var (cpo, emsp) = (NewCpo(), NewEmsp());
        var end = new DateTimeOffset(2026, 2, 2, 8, 0, 0, TimeSpan.Zero);
        var batch = Enumerable.Range(0, 50).Select(i => Cdr(cpo, emsp, $"C{i:D3}", end.AddMinutes(i))).ToArray();

        // 16 clients retry the same batch at once, in different orders.
        var attempts = await Task.WhenAll(Enumerable.Range(0, 16).Select(n =>
            Task.Run(() => Store.InsertAsync(cpo, n % 2 == 0 ? batch : batch.Reverse().ToArray()))));

        var winners = attempts.SelectMany(ids => ids).ToList();
        Assert.Equal(50, winners.Count);
        Assert.Equal(50, winners.Distinct().Count());
        var stored = await Store.ListAsync(new CdrQuery { Cpo = cpo, Limit = 1000 });
        Assert.Equal(50, stored.Count);
    }

    [Fact]
    public async Task ListAsync_KeysetPages_CoverEveryCdrOnceInOrder()
    {
        var (cpo, other, emsp) = (NewCpo(), NewCpo(), NewEmsp());
        var start = new DateTimeOffset(2026, 4, 1, 22, 0, 0, TimeSpan.Zero);
        // Same end time for several CDRs (ties broken by CPO and id), spread over two days.
        var mine = Enumerable.Range(0, 23).Select(i => Cdr(cpo, emsp, $"M{i:D2}", start.AddMinutes(i / 3 * 30))).ToArray();
        await Store.InsertAsync(cpo, mine);
        await Store.InsertAsync(other, Enumerable.Range(0, 5).Select(i => Cdr(other, emsp, $"O{i}", start.AddMinutes(i * 30))).ToArray());

        var seen = new List<StoredCdr>();
        CdrCursor? after = null;
        while (true)
        {
            var page = await Store.ListAsync(new CdrQuery { Emsp = emsp, After = after, Limit = 4 });
            seen.AddRange(page);
            if (page.Count < 4)
            {
                break;
            }

            after = page[^1].Cursor;
        }

        Assert.Equal(28, seen.Count);
        Assert.Equal(seen.OrderBy(c => c.EndDateTime).ThenBy(c => c.Cpo.PartyId, StringComparer.Ordinal).ThenBy(c => c.Id, StringComparer.Ordinal).Select(c => c.Id), seen.Select(c => c.Id));
        var day = await Store.ListAsync(new CdrQuery { Cpo = cpo, Emsp = emsp, From = new DateTimeOffset(2026, 4, 2, 0, 0, 0, TimeSpan.Zero), To = new DateTimeOffset(2026, 4, 3, 0, 0, 0, TimeSpan.Zero), Limit = 100 });
        Assert.Equal(mine.Where(c => c.EndDateTime.Day == 2).Select(c => c.Id), day.Select(c => c.Id));
    }

    [Fact]
    public async Task CountAsync_Filters_CountsWhatListReturnsIgnoringPosition()
    {
        var (cpo, other, emsp) = (NewCpo(), NewCpo(), NewEmsp());
        var start = new DateTimeOffset(2026, 6, 1, 22, 0, 0, TimeSpan.Zero);
        await Store.InsertAsync(cpo, Enumerable.Range(0, 6).Select(i => Cdr(cpo, emsp, $"C{i}", start.AddHours(i))).ToArray());
        await Store.InsertAsync(other, [Cdr(other, emsp, "O1", start)]);

        Assert.Equal(7, await Store.CountAsync(new CdrQuery { Emsp = emsp, Limit = 1 }));
        Assert.Equal(6, await Store.CountAsync(new CdrQuery { Cpo = cpo, Emsp = emsp, Limit = 0 }));
        var day = new CdrQuery { Emsp = emsp, From = new DateTimeOffset(2026, 6, 2, 0, 0, 0, TimeSpan.Zero), To = new DateTimeOffset(2026, 6, 2, 2, 0, 0, TimeSpan.Zero), Limit = 100 };
        Assert.Equal((await Store.ListAsync(day)).Count, await Store.CountAsync(day with { After = new CdrCursor(start.AddDays(1), "ZZ", "ZZZ", "ZZZ") }));
        Assert.Equal(2, await Store.CountAsync(day));
    }

    [Fact]
    public async Task FindExistingAsync_MixedIds_ReturnsOnlyStoredOnes()
    {
        var (cpo, emsp) = (NewCpo(), NewEmsp());
        await Store.InsertAsync(cpo, [Cdr(cpo, emsp, "HERE", DateTimeOffset.UnixEpoch.AddDays(20000))]);

        var found = await Store.FindExistingAsync(cpo, ["HERE", "NOT-HERE"]);

        Assert.Equal(["HERE"], found);
        Assert.Null(await Store.GetAsync(cpo, "NOT-HERE"));
    }

    [Fact]
    public async Task RequeueAsync_CdrAlreadyRead_ComesAgainAfterEveryPositionReadUnchanged()
    {
        var (cpo, emsp) = (NewCpo(), NewEmsp());
        var end = new DateTimeOffset(2026, 4, 3, 10, 0, 0, TimeSpan.Zero);
        await Store.InsertAsync(cpo, [Cdr(cpo, emsp, "R1", end), Cdr(cpo, emsp, "R2", end.AddMinutes(1))]);
        var read = await ReadFeedUntilAsync(emsp, CdrFeedPosition.Start, 2);

        var requeued = await Feed.RequeueAsync(cpo, "R1");
        var again = await ReadFeedUntilAsync(emsp, read[^1].Position, 1);
        var twice = await Feed.RequeueAsync(cpo, "R1");
        var afterTwice = await ReadFeedUntilAsync(emsp, again[^1].Position, 1);
        var fromStart = await ReadFeedUntilAsync(emsp, CdrFeedPosition.Start, 2);

        Assert.NotNull(requeued);
        Assert.True(requeued > read[^1].Position);
        var entry = Assert.Single(again);
        Assert.Equal((Cdr(cpo, emsp, "R1", end), requeued!.Value), (entry.Cdr, entry.Position));
        Assert.True(twice > requeued);
        Assert.Equal("R1", Assert.Single(afterTwice).Cdr.Id);
        Assert.Equal(["R2", "R1"], fromStart.Select(e => e.Cdr.Id)); // moved, not copied
        Assert.Null(await Feed.RequeueAsync(cpo, "NOPE"));
        Assert.Null(await Feed.RequeueAsync(NewCpo(), "R1"));
    }

    private static string Next()
    {
        var n = Interlocked.Increment(ref _counter) + (Environment.ProcessId % 1000 * 37);
        const string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        return $"{chars[n / 36 / 36 % 36]}{chars[n / 36 % 36]}{chars[n % 36]}";
    }

    [Fact]
    public async Task ReadFeedAsync_FromStart_OnlyThisEmspsNewCdrsInStoreOrder()
    {
        var (cpo, emsp, other) = (NewCpo(), NewEmsp(), NewEmsp());
        var end = new DateTimeOffset(2026, 4, 1, 10, 0, 0, TimeSpan.Zero);
        var head = await Feed.GetFeedHeadAsync();
        await Store.InsertAsync(cpo, [Cdr(cpo, emsp, "Z", end), Cdr(cpo, other, "O", end), Cdr(cpo, emsp, "A", end.AddDays(-5))]);
        await Store.InsertAsync(cpo, [Cdr(cpo, emsp, "Z", end), Cdr(cpo, emsp, "M", end.AddDays(2))]); // Z: duplicate

        var all = await ReadFeedUntilAsync(emsp, CdrFeedPosition.Start, 3);
        var fromHead = await ReadFeedUntilAsync(emsp, head, 3);
        var afterFirst = await ReadFeedUntilAsync(emsp, all[0].Position, 2);

        // Within one batch the order is the store's; batches come in commit order.
        Assert.Equal(["A", "Z", "M"], all.Take(2).Select(e => e.Cdr.Id).Order().Append(all[^1].Cdr.Id));
        Assert.Equal(3, all.Count);
        Assert.Equal(all.Select(e => e.Cdr.Id), fromHead.Select(e => e.Cdr.Id));
        Assert.Equal(all.Skip(1).Select(e => e.Cdr.Id), afterFirst.Select(e => e.Cdr.Id));
        Assert.True(all.Zip(all.Skip(1)).All(p => p.First.Position < p.Second.Position));
        Assert.Equal(Cdr(cpo, emsp, "M", end.AddDays(2)), all[^1].Cdr);
    }

    [Fact]
    public async Task ReadFeedAsync_ReaderDuringConcurrentWriters_SeesEveryCdrOnceWithNoGap()
    {
        var (emsp, cpos) = (NewEmsp(), Enumerable.Range(0, 6).Select(_ => NewCpo()).ToArray());
        var end = new DateTimeOffset(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);
        var head = await Feed.GetFeedHeadAsync();
        var writers = Task.WhenAll(cpos.Select(cpo => Task.Run(async () =>
        {
            for (var b = 0; b < 15; b++)
            {
                await Store.InsertAsync(cpo, [.. Enumerable.Range(0, 10).Select(i => Cdr(cpo, emsp, $"B{b:D2}-{i}", end.AddMinutes(b)))]);
            }
        })));

        // A subscriber reading small pages while the writers commit: a CDR that commits late must never land
        // behind a position it has already read.
        var seen = new List<string>();
        var position = head;
        var expected = 6 * 15 * 10;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (seen.Count < expected && DateTime.UtcNow < deadline)
        {
            var page = await Feed.ReadFeedAsync(emsp, position, 7);
            foreach (var entry in page)
            {
                Assert.True(entry.Position > position);
                position = entry.Position;
                seen.Add($"{entry.Cdr.Cpo.PartyId}/{entry.Cdr.Id}");
            }

            if (page.Count == 0)
            {
                await Task.Delay(5); // polling, as a subscriber does between doorbells
            }
        }

        await writers;
        Assert.Empty(await Feed.ReadFeedAsync(emsp, position, 7));
        Assert.Equal(expected, seen.Count);
        Assert.Equal(seen.Count, seen.Distinct().Count());
    }
}
