using ClearingHouse.Domain.Settlement;
using static ClearingHouse.Domain.Settlement.DisputeActor;
using static ClearingHouse.Domain.Settlement.DisputeState;

namespace ClearingHouse.Domain.Tests.Settlement;

public sealed class DisputeRulesUnitTests
{
    public static TheoryData<DisputeState, DisputeState, DisputeActor> Allowed() => new()
    {
        { Open, Accepted, Emsp },
        { Open, Declined, Cpo },
        { Open, Revised, Cpo },
        { Open, Resolved, Operator },
        { Declined, Accepted, Emsp },
        { Declined, Resolved, Operator },
        { Revised, Accepted, Emsp },
        { Revised, Resolved, Operator },
        { Accepted, Resolved, Operator },
    };

    [Theory]
    [MemberData(nameof(Allowed))]
    public void Accepts_AllowedMoveByItsParty(DisputeState from, DisputeState to, DisputeActor actor)
    {
        Assert.Null(DisputeRules.CheckMove(from, to, actor));
        Assert.Equal(actor, DisputeRules.WhoMayMove(from, to));
    }

    [Theory]
    [MemberData(nameof(Allowed))]
    public void Rejects_AllowedMoveByAnyOtherParty(DisputeState from, DisputeState to, DisputeActor actor)
    {
        foreach (var other in Enum.GetValues<DisputeActor>().Where(a => a != actor))
        {
            Assert.StartsWith("only the", DisputeRules.CheckMove(from, to, other));
        }
    }

    [Theory]
    [InlineData(Resolved, Open)]
    [InlineData(Resolved, Accepted)]
    [InlineData(Accepted, Open)]
    [InlineData(Accepted, Declined)]
    [InlineData(Declined, Revised)]
    [InlineData(Declined, Open)]
    [InlineData(Revised, Open)]
    [InlineData(Revised, Declined)]
    [InlineData(Open, Open)]
    public void Rejects_MoveTheWorkflowHasNot(DisputeState from, DisputeState to)
    {
        Assert.Null(DisputeRules.WhoMayMove(from, to));
        foreach (var actor in Enum.GetValues<DisputeActor>())
        {
            Assert.StartsWith("a dispute cannot move", DisputeRules.CheckMove(from, to, actor));
        }
    }

    [Theory]
    [InlineData(Open, true)]
    [InlineData(Declined, true)]
    [InlineData(Accepted, false)]
    [InlineData(Revised, false)]
    [InlineData(Resolved, false)]
    public void KeepsCdrApart_OnlyWhileContested(DisputeState state, bool apart) => Assert.Equal(apart, DisputeRules.KeepsCdrApart(state));
}
