using ClearingHouse.Domain.Locations;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Sessions;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains.Cdrs;
using ClearingHouse.Grains.Locations;
using ClearingHouse.Grains.Operations;
using ClearingHouse.Grains.Sessions;
using ClearingHouse.Storage.Tests.Infrastructure;

namespace ClearingHouse.Storage.Tests.Operations;

/// <summary>The <see cref="IDataQualityStore"/> findings, on each real backend, beside the real location, CDR and session stores.</summary>
public abstract class DataQualityStoreTestBase : IAsyncLifetime
{
    private static int _counter;
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private readonly StoreBackend _backend;

    protected DataQualityStoreTestBase(StoreBackend backend)
    {
        _backend = backend;
        Cdrs = backend.Cdrs;
        Locations = backend.CreateLocationStore();
        Sessions = backend.CreateSessionStore();
    }

    protected IDataQualityStore Store { get; private set; } = null!;

    protected ILocationStore Locations { get; }

    protected ICdrStore Cdrs { get; }

    protected ISessionStore Sessions { get; }

    public async Task InitializeAsync() => Store = await _backend.CreateDataQualityStoreAsync();

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    private static PartyKey NewCpo()
    {
        var n = Interlocked.Increment(ref _counter);
        return new PartyKey("NL", $"Q{(char)('A' + (n % 26))}{(char)('A' + (n / 26 % 26))}", PartyRole.Cpo);
    }

    private static LocationFacts Location(PartyKey cpo, string id, bool published, params (string Evse, EvseStatus Status, DateTimeOffset At, string[] Tariffs)[] evses) =>
        new(cpo, id, published, [.. evses.Select(e => (e.Evse, e.Status, e.At.UtcTicks))], [.. evses.Select(e => new ConnectorTariffs(e.Evse, "1", e.Tariffs))]);

    [Fact]
    public async Task FindStaleEvsesAsync_OldRecentAndRemoved_OnlyTheOldActiveOneUntilAStatusUpdateArrives()
    {
        var cpo = NewCpo();
        await Store.RecordLocationAsync(Location(cpo, "L1", true,
            ("OLD", EvseStatus.Available, Now.AddDays(-3), []),
            ("NEW", EvseStatus.Charging, Now.AddHours(-1), []),
            ("GONE", EvseStatus.Removed, Now.AddDays(-3), [])));

        var before = await Store.FindStaleEvsesAsync(Now.AddHours(-24), cpo, 10);
        await Locations.WriteStatusesAsync([new EvseStatusRow($"{cpo}/L1", "OLD", EvseStatus.Blocked, Now.AddMinutes(-5).UtcTicks)]);
        var afterUpdate = await Store.FindStaleEvsesAsync(Now.AddHours(-24), cpo, 10);

        Assert.Equal(1, before.Count);
        Assert.Equal([$"{cpo}/L1/OLD (Available since 2026-11-21 12:00:00Z)"], before.Examples);
        Assert.Equal((0L, 0), (afterUpdate.Count, afterUpdate.Examples.Count));
    }

    [Fact]
    public async Task FindStaleEvsesAsync_EvseRemovedFromLocationOrOlderPut_FollowsTheLocation()
    {
        var cpo = NewCpo();
        await Store.RecordLocationAsync(Location(cpo, "L1", true, ("A", EvseStatus.Available, Now.AddDays(-2), []), ("B", EvseStatus.Available, Now.AddDays(-2), [])));
        await Locations.WriteStatusesAsync([new EvseStatusRow($"{cpo}/L1", "A", EvseStatus.Charging, Now.UtcTicks)]);

        // A later put without B, carrying an older status for A: B's row goes, A keeps its newer status.
        await Store.RecordLocationAsync(Location(cpo, "L1", true, ("A", EvseStatus.Available, Now.AddDays(-2), [])));
        var found = await Store.FindStaleEvsesAsync(Now.AddHours(-24), cpo, 10);
        var statuses = await Locations.ReadStatusesAsync($"{cpo}/L1");

        Assert.Equal(0, found.Count);
        Assert.Equal([("A", EvseStatus.Charging)], statuses.Select(s => (s.EvseUid, s.Status)));
    }

    [Fact]
    public async Task FindLocationsWithoutTariffAsync_MissingAndUnknownTariffs_FoundKnownAndUnpublishedNot()
    {
        var cpo = NewCpo();
        var other = NewCpo();
        await Store.RecordTariffsAsync(cpo, ["T1"]);
        await Store.RecordTariffsAsync(other, ["TX"]);
        await Store.RecordLocationAsync(Location(cpo, "L-OK", true, ("E1", EvseStatus.Available, Now, ["T1"]), ("E2", EvseStatus.Available, Now, ["T1"])));
        await Store.RecordLocationAsync(Location(cpo, "L-NONE", true, ("E1", EvseStatus.Available, Now, ["T1"]), ("E2", EvseStatus.Available, Now, [])));
        await Store.RecordLocationAsync(Location(cpo, "L-UNKNOWN", true, ("E1", EvseStatus.Available, Now, ["T1", "TX"])));
        await Store.RecordLocationAsync(Location(cpo, "L-HIDDEN", false, ("E1", EvseStatus.Available, Now, [])));

        var found = await Store.FindLocationsWithoutTariffAsync(cpo, 10);
        var one = await Store.FindLocationsWithoutTariffAsync(cpo, 1);
        await Store.RecordTariffsAsync(cpo, ["T1", "TX"]);
        await Store.RecordLocationAsync(Location(cpo, "L-NONE", false, ("E2", EvseStatus.Available, Now, [])));
        var repaired = await Store.FindLocationsWithoutTariffAsync(cpo, 10);

        Assert.Equal(2, found.Count);
        Assert.Equal([$"{cpo}/L-NONE (E2/1: no tariff)", $"{cpo}/L-UNKNOWN (E1/1: unknown tariff TX)"], found.Examples);
        Assert.Equal((2L, 1), (one.Count, one.Examples.Count));
        Assert.Equal((0L, 0), (repaired.Count, repaired.Examples.Count));
    }

    [Fact]
    public async Task FindCdrsWithoutSessionAsync_UnknownAndMissingSessionIds_FoundKnownAndOlderNot()
    {
        var cpo = NewCpo();
        var other = NewCpo();
        var emsp = new PartyKey("DE", cpo.PartyId, PartyRole.Emsp);
        await Sessions.SaveAsync(Session(cpo, emsp, "S1"));
        await Cdrs.InsertAsync(cpo,
        [
            Cdr(cpo, emsp, "C-KNOWN", Now.AddDays(-1), "\"S1\""),
            Cdr(cpo, emsp, "C-UNKNOWN", Now.AddDays(-2), "\"S9\""),
            Cdr(cpo, emsp, "C-NONE", Now.AddDays(-3), null),
            Cdr(cpo, emsp, "C-OLD", Now.AddDays(-40), "\"S9\""),
        ]);
        await Cdrs.InsertAsync(other, [Cdr(other, emsp, "C-OTHER", Now.AddDays(-1), "\"S1\"")]); // S1 is cpo's session, not other's

        var found = await Store.FindCdrsWithoutSessionAsync(Now.AddDays(-30), cpo, 10);
        var ofOther = await Store.FindCdrsWithoutSessionAsync(Now.AddDays(-30), other, 10);
        var everyone = await Store.FindCdrsWithoutSessionAsync(Now.AddDays(-30), null, 100);

        Assert.Equal(2, found.Count);
        Assert.Equal([$"{cpo}/C-UNKNOWN (session S9)", $"{cpo}/C-NONE (session none given)"], found.Examples);
        Assert.Equal([$"{other}/C-OTHER (session S1)"], ofOther.Examples);
        Assert.True(everyone.Count >= 3);
        Assert.Contains($"{cpo}/C-UNKNOWN (session S9)", everyone.Examples);
        Assert.DoesNotContain(everyone.Examples, e => e.Contains("C-KNOWN", StringComparison.Ordinal));
    }

    private static StoredCdr Cdr(PartyKey cpo, PartyKey emsp, string id, DateTimeOffset end, string? sessionJson) => new()
    {
        Cpo = cpo, Id = id, Emsp = emsp, StartDateTime = end.AddHours(-1), EndDateTime = end, Currency = "EUR",
        TotalCostExclVat = 1m, TotalCostInclVat = 1.21m, PriceCheck = PriceCheck.Matched, ReceivedAt = end,
        OcpiJson = sessionJson is null ? $"{{\"id\":\"{id}\"}}" : $"{{\"id\":\"{id}\",\"session_id\":{sessionJson}}}",
    };

    private static SessionRecord Session(PartyKey cpo, PartyKey emsp, string id) => new()
    {
        Cpo = cpo, Id = id, Emsp = emsp, Start = Now.AddDays(-1), Kwh = 1m, TokenUid = "U1", TokenType = TokenType.Rfid, ContractId = "C1",
        AuthMethod = 1, LocationId = "L1", EvseUid = "E1", ConnectorId = "1", Currency = "EUR", Status = SessionStatus.Completed,
        LastUpdated = Now.AddDays(-1), ReceivedAt = Now.AddDays(-1),
    };
}
