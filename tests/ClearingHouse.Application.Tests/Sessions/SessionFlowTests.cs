using ClearingHouse.Application.Access;
using ClearingHouse.Application.Sessions;
using ClearingHouse.Application.Tests.Infrastructure;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Sessions;
using ClearingHouse.Domain.Tokens;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Sessions;

namespace ClearingHouse.Application.Tests.Sessions;

/// <summary>The sessions flow's checks, the same for every edge.</summary>
public sealed class SessionFlowTests(CoreCluster hub) : IClassFixture<CoreCluster>
{
    private static readonly PartyKey Cpo = new("NL", "SF1", PartyRole.Cpo);

    // A far-future last_updated accepted once would make every real update of the session STALE for ever.
    [Fact]
    public async Task PutAndPatch_FarFutureLastUpdated_InvalidArgumentNamingField()
    {
        var caller = new CallerIdentity(Cpo, "test");
        var sessions = hub.Get<SessionFlow>();
        var future = new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.Zero);

        var put = await Assert.ThrowsAsync<HubException>(() => sessions.PutAsync(caller, Session() with { LastUpdated = future }));
        var patch = await Assert.ThrowsAsync<HubException>(() => sessions.PatchAsync(caller, "S-FUTURE", new SessionPatch { LastUpdated = future, Status = SessionStatus.Completed }));

        Assert.Equal((HubErrorCode.InvalidArgument, "session.last_updated"), (put.Code, put.Field));
        Assert.Equal((HubErrorCode.InvalidArgument, "last_updated"), (patch.Code, patch.Field));
    }

    private static SessionRecord Session() => new()
    {
        Cpo = Cpo,
        Id = "S-FUTURE",
        Start = DateTimeOffset.UtcNow.AddMinutes(-5),
        Kwh = 0,
        TokenUid = "TOKEN1",
        TokenType = TokenType.Rfid,
        Emsp = new PartyKey("DE", "SF1", PartyRole.Emsp),
        ContractId = "DE-SF1-C1",
        AuthMethod = 3,
        LocationId = "LOC1",
        EvseUid = "E1",
        ConnectorId = "1",
        Currency = "EUR",
        Status = SessionStatus.Active,
        LastUpdated = DateTimeOffset.UtcNow,
    };
}
