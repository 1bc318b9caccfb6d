using ClearingHouse.Domain.Locations;

namespace ClearingHouse.Domain.Tests.Locations;

public sealed class EvseStatusBoardUnitTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static EvseStatusBoard Board() => new([("E1", EvseStatus.Available, T0), ("E2", EvseStatus.Available, T0)]);

    private static StatusUpdate U(string evse, EvseStatus status, int seconds) => new("L1", evse, status, T0.AddSeconds(seconds).UtcTicks);

    [Fact]
    public void ApplyAll_OutOfOrder_KeepsNewestAndCountsStale()
    {
        var board = Board();
        StatusUpdate[] updates = [U("E1", EvseStatus.Charging, 20), U("E1", EvseStatus.Blocked, 10), U("E1", EvseStatus.Charging, 20), U("E3", EvseStatus.Charging, 30), U("E2", EvseStatus.Reserved, 1)];
        var outcomes = new StatusOutcome[updates.Length];

        var accepted = board.ApplyAll(updates, outcomes);

        Assert.Equal(2, accepted);
        Assert.Equal([StatusOutcome.Accepted, StatusOutcome.Stale, StatusOutcome.Stale, StatusOutcome.UnknownEvse, StatusOutcome.Accepted], outcomes);
        Assert.True(board.TryGet("E1", out var s1, out var t1));
        Assert.Equal((EvseStatus.Charging, T0.AddSeconds(20)), (s1, t1));
        Assert.Equal(T0.AddSeconds(20), board.LatestChange());
    }

    [Fact]
    public void Apply_SameInstantAsHeld_Stale()
    {
        var board = Board();
        Assert.Equal(StatusOutcome.Stale, board.Apply(U("E1", EvseStatus.Charging, 0)));
    }

    public static TheoryData<string, StatusUpdate> BadUpdates => new()
    {
        { "location_id", new StatusUpdate("", "E1", EvseStatus.Charging, T0.UtcTicks) },
        { "evse_uid", new StatusUpdate("L1", "E 1", EvseStatus.Charging, T0.UtcTicks) },
        { "evse_uid", new StatusUpdate("L1", new string('x', 37), EvseStatus.Charging, T0.UtcTicks) },
        { "status", new StatusUpdate("L1", "E1", EvseStatus.Unspecified, T0.UtcTicks) },
        { "status", new StatusUpdate("L1", "E1", (EvseStatus)42, T0.UtcTicks) },
        { "last_updated", new StatusUpdate("L1", "E1", EvseStatus.Charging, 0) },
        { "last_updated", new StatusUpdate("L1", "E1", EvseStatus.Charging, T0.AddHours(1).UtcTicks) },
    };

    [Theory]
    [MemberData(nameof(BadUpdates))]
    public void Rejects_ValidateUpdate(string field, StatusUpdate update) =>
        Assert.StartsWith(field, LocationRules.ValidateUpdate(update, T0, TimeSpan.FromMinutes(5)), StringComparison.Ordinal);

    [Theory]
    [InlineData("LOC-1.a_b")]
    [InlineData("123456789012345678901234567890123456")]
    public void Accepts_ValidateId(string id) => Assert.Null(LocationRules.ValidateId(id));

    [Theory]
    [InlineData("51.0475760", null)]
    [InlineData("-90", null)]
    [InlineData("90.00000001", "must")]
    [InlineData("abc", "must")]
    public void ValidateCoordinate_Latitude(string value, string? error) =>
        Assert.Equal(error is null, LocationRules.ValidateCoordinate(value, 90) is null);

    [Theory]
    [InlineData("-179.1234567", null)]
    [InlineData("4.9004000", null)]
    [InlineData("-180.0000001", "must")]
    [InlineData("-179.12345678", "must")]
    [InlineData("-1790.1234567", "must")]
    public void ValidateCoordinate_Longitude(string value, string? error) =>
        Assert.Equal(error is null, LocationRules.ValidateCoordinate(value, 180) is null);
}
