using ClearingHouse.Domain.Sessions;

namespace ClearingHouse.Domain.Tests.Sessions;

public sealed class SessionRulesUnitTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 10, 0, 0, TimeSpan.Zero);

    private static SessionFacts Facts(SessionStatus status, decimal kwh = 1, int minute = 0, DateTimeOffset? end = null, string emsp = "DE-XYZ-EMSP") =>
        new(status, kwh, T0, end, T0.AddMinutes(minute), emsp);

    [Theory]
    [InlineData(SessionStatus.Reservation, SessionStatus.Pending)]
    [InlineData(SessionStatus.Reservation, SessionStatus.Active)]
    [InlineData(SessionStatus.Reservation, SessionStatus.Completed)]
    [InlineData(SessionStatus.Reservation, SessionStatus.Invalid)]
    [InlineData(SessionStatus.Pending, SessionStatus.Active)]
    [InlineData(SessionStatus.Pending, SessionStatus.Completed)]
    [InlineData(SessionStatus.Pending, SessionStatus.Invalid)]
    [InlineData(SessionStatus.Active, SessionStatus.Completed)]
    [InlineData(SessionStatus.Active, SessionStatus.Invalid)]
    [InlineData(SessionStatus.Completed, SessionStatus.Invalid)]
    [InlineData(SessionStatus.Active, SessionStatus.Active)]
    [InlineData(SessionStatus.Completed, SessionStatus.Completed)]
    [InlineData(SessionStatus.Invalid, SessionStatus.Invalid)]
    public void Accepts_AllowedTransition(SessionStatus from, SessionStatus to)
    {
        Assert.True(SessionRules.CanMove(from, to));
        Assert.Equal(SessionVerdict.Apply, SessionRules.Decide(Facts(from), Facts(to, minute: 1)).Verdict);
    }

    [Theory]
    [InlineData(SessionStatus.Completed, SessionStatus.Active)]
    [InlineData(SessionStatus.Completed, SessionStatus.Pending)]
    [InlineData(SessionStatus.Completed, SessionStatus.Reservation)]
    [InlineData(SessionStatus.Invalid, SessionStatus.Active)]
    [InlineData(SessionStatus.Invalid, SessionStatus.Completed)]
    [InlineData(SessionStatus.Invalid, SessionStatus.Pending)]
    [InlineData(SessionStatus.Active, SessionStatus.Pending)]
    [InlineData(SessionStatus.Active, SessionStatus.Reservation)]
    [InlineData(SessionStatus.Pending, SessionStatus.Reservation)]
    public void Rejects_ForbiddenTransition(SessionStatus from, SessionStatus to)
    {
        Assert.False(SessionRules.CanMove(from, to));
        var decision = SessionRules.Decide(Facts(from), Facts(to, minute: 1));
        Assert.Equal(SessionVerdict.Refused, decision.Verdict);
        Assert.Equal("session.status", decision.Problem!.Field);
        Assert.False(decision.Problem.Malformed);
    }

    [Fact]
    public void Transitions_EveryPair_MatchTheDocumentedTable()
    {
        var allowed = 0;
        foreach (var from in Enum.GetValues<SessionStatus>())
        {
            foreach (var to in Enum.GetValues<SessionStatus>())
            {
                allowed += SessionRules.CanMove(from, to) ? 1 : 0;
            }
        }

        // 5 self-transitions + RESERVATION(4) + PENDING(3) + ACTIVE(2) + COMPLETED(1).
        Assert.Equal(15, allowed);
    }

    [Theory]
    [InlineData(SessionStatus.Pending)]
    [InlineData(SessionStatus.Active)]
    [InlineData(SessionStatus.Completed)]
    [InlineData(SessionStatus.Invalid)]
    [InlineData(SessionStatus.Reservation)]
    public void Decide_NewSession_CreatesInAnyStatus(SessionStatus status) =>
        Assert.Equal(SessionVerdict.Create, SessionRules.Decide(null, Facts(status)).Verdict);

    [Fact]
    public void Decide_OlderUpdate_IsStaleAndIgnored() =>
        Assert.Equal(SessionVerdict.Stale, SessionRules.Decide(Facts(SessionStatus.Active, minute: 5), Facts(SessionStatus.Completed, minute: 4)).Verdict);

    [Fact]
    public void Decide_OlderUpdateWithForbiddenTransition_IsStaleNotRefused() =>
        Assert.Equal(SessionVerdict.Stale, SessionRules.Decide(Facts(SessionStatus.Completed, minute: 5), Facts(SessionStatus.Active, minute: 1)).Verdict);

    [Fact]
    public void Decide_SameLastUpdated_IsUnchanged() =>
        Assert.Equal(SessionVerdict.Unchanged, SessionRules.Decide(Facts(SessionStatus.Active, minute: 5), Facts(SessionStatus.Active, minute: 5)).Verdict);

    [Fact]
    public void Decide_KwhBackwards_RefusedAsPrecondition()
    {
        var decision = SessionRules.Decide(Facts(SessionStatus.Active, kwh: 10), Facts(SessionStatus.Active, kwh: 9.5m, minute: 1));
        Assert.Equal(SessionVerdict.Refused, decision.Verdict);
        Assert.Equal("session.kwh", decision.Problem!.Field);
        Assert.False(decision.Problem.Malformed);
    }

    [Fact]
    public void Decide_KwhEqual_Applies() =>
        Assert.Equal(SessionVerdict.Apply, SessionRules.Decide(Facts(SessionStatus.Active, kwh: 10), Facts(SessionStatus.Active, kwh: 10, minute: 1)).Verdict);

    [Fact]
    public void Decide_EndBeforeStart_RefusedAsMalformed()
    {
        var decision = SessionRules.Decide(null, Facts(SessionStatus.Completed, end: T0.AddSeconds(-1)));
        Assert.Equal(SessionVerdict.Refused, decision.Verdict);
        Assert.Equal("session.end_date_time", decision.Problem!.Field);
        Assert.True(decision.Problem.Malformed);
    }

    [Fact]
    public void Decide_NegativeKwh_RefusedAsMalformed() =>
        Assert.True(SessionRules.Decide(null, Facts(SessionStatus.Active, kwh: -1)).Problem!.Malformed);

    [Fact]
    public void Decide_OtherEmsp_Refused()
    {
        var decision = SessionRules.Decide(Facts(SessionStatus.Active), Facts(SessionStatus.Active, minute: 1, emsp: "DE-OTH-EMSP"));
        Assert.Equal("session.cdr_token", decision.Problem!.Field);
    }

    [Theory]
    [InlineData(SessionStatus.Pending, 30, true)]
    [InlineData(SessionStatus.Active, 31, true)]
    [InlineData(SessionStatus.Active, 29, false)]
    [InlineData(SessionStatus.Completed, 600, false)]
    [InlineData(SessionStatus.Invalid, 600, false)]
    [InlineData(SessionStatus.Reservation, 600, false)]
    public void IsStuck_ByStatusAndSilence(SessionStatus status, int silentMinutes, bool stuck) =>
        Assert.Equal(stuck, SessionRules.IsStuck(status, T0, T0.AddMinutes(silentMinutes), TimeSpan.FromMinutes(30)));
}
