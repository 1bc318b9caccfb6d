using ClearingHouse.Domain.Tokens;

namespace ClearingHouse.Domain.Tests.Tokens;

public sealed class AuthorizationRulesUnitTests
{
    public static TheoryData<WhitelistType, MspOutcomeKind, AllowedType, AllowedType, DecisionSource> ValidTokenTable()
    {
        var data = new TheoryData<WhitelistType, MspOutcomeKind, AllowedType, AllowedType, DecisionSource>();
        foreach (var answer in Enum.GetValues<AllowedType>())
        {
            // An answer always wins, whatever the whitelist (ALWAYS never asks: see Plan).
            data.Add(WhitelistType.Allowed, MspOutcomeKind.Answered, answer, answer, DecisionSource.MspRealTime);
            data.Add(WhitelistType.AllowedOffline, MspOutcomeKind.Answered, answer, answer, DecisionSource.MspRealTime);
            data.Add(WhitelistType.Never, MspOutcomeKind.Answered, answer, answer, DecisionSource.MspRealTime);
        }

        data.Add(WhitelistType.Allowed, MspOutcomeKind.Timeout, default, AllowedType.Allowed, DecisionSource.FallbackTimeout);
        data.Add(WhitelistType.Allowed, MspOutcomeKind.NoChannel, default, AllowedType.Allowed, DecisionSource.HubCopy);
        data.Add(WhitelistType.AllowedOffline, MspOutcomeKind.Timeout, default, AllowedType.Allowed, DecisionSource.FallbackTimeout);
        data.Add(WhitelistType.AllowedOffline, MspOutcomeKind.NoChannel, default, AllowedType.Allowed, DecisionSource.FallbackNoChannel);
        data.Add(WhitelistType.Never, MspOutcomeKind.Timeout, default, AllowedType.NotAllowed, DecisionSource.FallbackTimeout);
        data.Add(WhitelistType.Never, MspOutcomeKind.NoChannel, default, AllowedType.NotAllowed, DecisionSource.FallbackNoChannel);
        return data;
    }

    [Theory]
    [MemberData(nameof(ValidTokenTable))]
    public void Decide_ValidTokenActiveAgreement_FollowsWhitelist(WhitelistType whitelist, MspOutcomeKind kind, AllowedType answer, AllowedType expected, DecisionSource source)
    {
        var token = new TokenFacts(TokenType.Rfid, Valid: true, whitelist);

        Assert.True(AuthorizationRules.Plan(token, agreementActive: true).AskMsp);
        Assert.Equal(new AuthorizationDecision(expected, source), AuthorizationRules.Decide(token, agreementActive: true, new MspOutcome(kind, answer)));
    }

    [Fact]
    public void Decide_EveryCombination_NeverAllowsWithoutAgreementOrUnknownOrInvalid()
    {
        foreach (var type in Enum.GetValues<TokenType>())
        foreach (var whitelist in Enum.GetValues<WhitelistType>())
        foreach (var valid in new[] { true, false })
        foreach (var agreement in new[] { true, false })
        foreach (var kind in Enum.GetValues<MspOutcomeKind>())
        foreach (var answer in Enum.GetValues<AllowedType>())
        {
            var token = new TokenFacts(type, valid, whitelist);
            var outcome = new MspOutcome(kind, answer);
            var decision = AuthorizationRules.Decide(token, agreement, outcome);
            if (!agreement)
            {
                Assert.Equal(new AuthorizationDecision(AllowedType.NotAllowed, DecisionSource.HubRule), decision);
            }
            else if (!valid)
            {
                Assert.Equal(type == TokenType.AdHocUser ? AllowedType.Expired : AllowedType.Blocked, decision.Allowed);
                Assert.Equal(DecisionSource.HubRule, decision.Source);
            }
            else if (whitelist == WhitelistType.Always)
            {
                Assert.Equal(new AuthorizationDecision(AllowedType.Allowed, DecisionSource.HubCopy), decision);
            }
            else if (whitelist == WhitelistType.Never && kind != MspOutcomeKind.Answered)
            {
                Assert.Equal(AllowedType.NotAllowed, decision.Allowed);
            }

            // Only an MSP answer or the hub's own copy of a valid token can ever allow.
            if (decision.Allowed == AllowedType.Allowed)
            {
                Assert.True(agreement && valid);
                Assert.True(decision.Source == DecisionSource.MspRealTime ? kind == MspOutcomeKind.Answered && answer == AllowedType.Allowed : whitelist != WhitelistType.Never);
            }

            Assert.Equal(decision, AuthorizationRules.Decide(token, agreement, outcome));
        }
    }

    [Fact]
    public void Plan_UnknownToken_NotAllowedByHubRule()
    {
        var plan = AuthorizationRules.Plan(null, agreementActive: true);

        Assert.False(plan.AskMsp);
        Assert.Equal(new AuthorizationDecision(AllowedType.NotAllowed, DecisionSource.HubRule), plan.Final);
    }

    [Theory]
    [InlineData(WhitelistType.Always, false)]
    [InlineData(WhitelistType.Allowed, true)]
    [InlineData(WhitelistType.AllowedOffline, true)]
    [InlineData(WhitelistType.Never, true)]
    public void Plan_ValidToken_AsksMspUnlessAlways(WhitelistType whitelist, bool asks) =>
        Assert.Equal(asks, AuthorizationRules.Plan(new TokenFacts(TokenType.AppUser, true, whitelist), agreementActive: true).AskMsp);
}
