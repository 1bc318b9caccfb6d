using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Sessions;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains.Sessions;
using ClearingHouse.Storage.Tests.Infrastructure;

namespace ClearingHouse.Storage.Tests.Sessions;

/// <summary>The <see cref="ISessionStore"/> list and count of an EMSP's sessions, run against each real backend.</summary>
public abstract class SessionStoreTestBase(StoreBackend backend) : IAsyncLifetime
{
    private static int _counter;
    private static readonly DateTimeOffset T = new(2026, 5, 1, 8, 0, 0, TimeSpan.Zero);

    private readonly ISessionStore _store = backend.CreateSessionStore();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await backend.DisposeAsync();

    [Fact]
    public async Task CountAsync_DateBounds_CountsWhatListReturns()
    {
        var (cpo, emsp, other) = (Party(PartyRole.Cpo), Party(PartyRole.Emsp), Party(PartyRole.Emsp));
        for (var i = 0; i < 5; i++)
        {
            await _store.SaveAsync(Session(cpo, emsp, $"S{i}", T.AddMinutes(i)));
        }

        await _store.SaveAsync(Session(cpo, other, "X", T.AddMinutes(2)));

        Assert.Equal(5, await _store.CountAsync(emsp, null, null));
        // From inclusive, before exclusive: minutes 1, 2 and 3.
        Assert.Equal(3, await _store.CountAsync(emsp, T.AddMinutes(1), T.AddMinutes(4)));
        Assert.Equal(
            (await _store.ListAsync(emsp, T.AddMinutes(1), null, 100)).Count(s => s.LastUpdated < T.AddMinutes(4)),
            await _store.CountAsync(emsp, T.AddMinutes(1), T.AddMinutes(4)));
        Assert.Equal(0, await _store.CountAsync(emsp, T.AddDays(1), null));
    }

    // Each fixture has its own database (schema or file); the counter keeps the parties of one class apart.
    private static PartyKey Party(PartyRole role) =>
        new(role == PartyRole.Cpo ? "NL" : "DE", $"S{Interlocked.Increment(ref _counter) % 100:D2}", role);

    private static SessionRecord Session(PartyKey cpo, PartyKey emsp, string id, DateTimeOffset lastUpdated) => new()
    {
        Cpo = cpo, Id = id, Emsp = emsp, Start = T.AddHours(-1), Kwh = 1m, TokenUid = "U1", TokenType = TokenType.Rfid, ContractId = "C1",
        AuthMethod = 1, LocationId = "L1", EvseUid = "E1", ConnectorId = "1", Currency = "EUR", Status = SessionStatus.Active,
        LastUpdated = lastUpdated, ReceivedAt = lastUpdated,
    };
}
