using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains.Tokens;
using ClearingHouse.Storage.Tests.Infrastructure;

namespace ClearingHouse.Storage.Tests.Tokens;

/// <summary>
/// The authorization journal's store on each real backend: a group-committed batch reads back row for row, and a
/// provisional (fallback) record holds only until a final record of the same reference exists.
/// </summary>
public abstract class AuthorizationStoreTestBase : IAsyncLifetime
{
    private static readonly PartyKey Emsp = new("DE", "XYZ", PartyRole.Emsp);
    private static readonly DateTimeOffset At = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
    private readonly StoreBackend _backend;

    protected AuthorizationStoreTestBase(StoreBackend backend)
    {
        _backend = backend;
        Store = backend.CreateAuthorizationStore();
    }

    protected IAuthorizationStore Store { get; }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    [Fact]
    public async Task AppendAsync_MixedBatch_EveryRecordReadsBackUnchanged()
    {
        var cpos = new[] { new PartyKey("NL", "ABC", PartyRole.Cpo), new PartyKey("DE", "CPO", PartyRole.Cpo) };
        var records = Enumerable.Range(0, 150).Select(i => new AuthorizationRecord
        {
            Reference = Guid.CreateVersion7().ToString("N"),
            Cpo = cpos[i % 2],
            // Unknown tokens have no EMSP.
            Emsp = i % 5 == 0 ? null : Emsp,
            Uid = $"UID{i}",
            Type = (TokenType)(1 + (i % 4)),
            LocationId = i % 3 == 0 ? null : $"LOC{i}",
            EvseUids = (i % 3) switch { 0 => [], 1 => [$"E{i}"], _ => [$"E{i}", "E2", "E3"] },
            Allowed = (AllowedType)(1 + (i % 5)),
            Source = (DecisionSource)(1 + (i % 5)),
            DecidedAt = At.AddMilliseconds(i),
            // Every seventh is an EMSP ask's provisional fallback that nothing superseded.
            Provisional = i % 7 == 0,
        }).ToList();

        await Store.AppendAsync(records);

        foreach (var expected in records)
        {
            AssertSame(expected, await Store.GetAsync(expected.Reference));
        }
    }

    [Fact]
    public async Task GetAsync_ProvisionalThenFinalInLaterBatch_FinalWins()
    {
        var (provisional, final) = Pair();

        await Store.AppendAsync([provisional]);
        AssertSame(provisional, await Store.GetAsync(provisional.Reference));
        await Store.AppendAsync([final]);

        AssertSame(final, await Store.GetAsync(final.Reference));
    }

    [Fact]
    public async Task GetAsync_ProvisionalAndFinalInOneBatch_FinalWinsInEitherOrder()
    {
        var (p1, f1) = Pair();
        var (p2, f2) = Pair();

        await Store.AppendAsync([p1, f1, f2, p2]);

        AssertSame(f1, await Store.GetAsync(f1.Reference));
        AssertSame(f2, await Store.GetAsync(f2.Reference));
    }

    [Fact]
    public async Task AppendAsync_Empty_StoresNothing()
    {
        await Store.AppendAsync([]);
        Assert.Null(await Store.GetAsync("0123456789abcdef0123456789abcdef"));
    }

    // Records compare by reference for EvseUids (a list): compare that part by content.
    private static void AssertSame(AuthorizationRecord expected, AuthorizationRecord? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected with { EvseUids = [] }, actual with { EvseUids = [] });
        Assert.Equal(expected.EvseUids, actual.EvseUids);
    }

    // An EMSP ask: the NEVER token's fallback (NOT_ALLOWED at the deadline), then the EMSP's ALLOWED in time.
    private static (AuthorizationRecord Provisional, AuthorizationRecord Final) Pair()
    {
        var final = new AuthorizationRecord
        {
            Reference = Guid.CreateVersion7().ToString("N"),
            Cpo = new PartyKey("NL", "ABC", PartyRole.Cpo),
            Emsp = Emsp,
            Uid = "04A1B2C3",
            Type = TokenType.Rfid,
            LocationId = "LOC1",
            EvseUids = ["EVSE1"],
            Allowed = AllowedType.Allowed,
            Source = DecisionSource.MspRealTime,
            DecidedAt = At.AddMilliseconds(40),
        };
        var provisional = final with
        {
            Allowed = AllowedType.NotAllowed,
            Source = DecisionSource.FallbackTimeout,
            DecidedAt = At.AddMilliseconds(200),
            Provisional = true,
        };
        return (provisional, final);
    }
}
