namespace ClearingHouse.Domain.Tokens;

/// <summary>What the hub knows of a token when it decides: the EMSP's validity flag, its whitelist and type.</summary>
/// <param name="Type">The token's type (an invalid ad hoc token has expired rather than been blocked).</param>
/// <param name="Valid">The EMSP's <c>valid</c> flag.</param>
/// <param name="Whitelist">The token's whitelist type.</param>
public readonly record struct TokenFacts(TokenType Type, bool Valid, WhitelistType Whitelist);

/// <summary>What came back when the hub asked the EMSP.</summary>
public enum MspOutcomeKind
{
    /// <summary>The EMSP answered in time.</summary>
    Answered = 1,

    /// <summary>The EMSP had a channel but gave no answer within the deadline.</summary>
    Timeout = 2,

    /// <summary>The EMSP had no open channel (or every channel dropped before answering).</summary>
    NoChannel = 3,
}

/// <summary>The EMSP's side of one authorization.</summary>
/// <param name="Kind">Answered, timed out, or unreachable.</param>
/// <param name="Allowed">The EMSP's answer when <paramref name="Kind"/> is Answered.</param>
public readonly record struct MspOutcome(MspOutcomeKind Kind, AllowedType Allowed = AllowedType.NotAllowed)
{
    /// <summary>An answer.</summary>
    public static MspOutcome Answer(AllowedType allowed) => new(MspOutcomeKind.Answered, allowed);

    /// <summary>No answer within the deadline.</summary>
    public static MspOutcome Timeout { get; } = new(MspOutcomeKind.Timeout);

    /// <summary>No open channel.</summary>
    public static MspOutcome NoChannel { get; } = new(MspOutcomeKind.NoChannel);
}

/// <summary>A decision and how it was made.</summary>
/// <param name="Allowed">OCPI AllowedType.</param>
/// <param name="Source">How it was decided.</param>
public readonly record struct AuthorizationDecision(AllowedType Allowed, DecisionSource Source);

/// <summary>The first step of a decision: either final, or the EMSP must be asked.</summary>
/// <param name="Final">The decision, when the EMSP need not be asked.</param>
public readonly record struct AuthorizationPlan(AuthorizationDecision? Final)
{
    /// <summary>Whether the EMSP must be asked in real time.</summary>
    public bool AskMsp => Final is null;
}

/// <summary>
/// The hub's authorization rules (OCPI 2.2.1 whitelist semantics), as pure functions so they can be
/// tested exhaustively and benchmarked. A decision is two steps: <see cref="Plan"/> (before asking the
/// EMSP) and <see cref="Resolve"/> (with what the EMSP did).
/// </summary>
public static class AuthorizationRules
{
    private static readonly AuthorizationPlan Ask = new(null);

    /// <summary>
    /// Decides what can be decided without the EMSP. Unknown token or no active agreement:
    /// NOT_ALLOWED. A token the EMSP marked invalid: BLOCKED, or EXPIRED for a one-time ad hoc token
    /// (its one use is over); the EMSP is not asked, as it has already said the token is not valid.
    /// Whitelist ALWAYS: the hub's copy. Every other whitelist: ask the EMSP.
    /// </summary>
    public static AuthorizationPlan Plan(TokenFacts? token, bool agreementActive)
    {
        if (token is not { } t || !agreementActive)
        {
            return new(new AuthorizationDecision(AllowedType.NotAllowed, DecisionSource.HubRule));
        }

        if (!t.Valid)
        {
            return new(new AuthorizationDecision(InvalidOutcome(t.Type), DecisionSource.HubRule));
        }

        return t.Whitelist == WhitelistType.Always
            ? new(new AuthorizationDecision(AllowedType.Allowed, DecisionSource.HubCopy))
            : Ask;
    }

    /// <summary>
    /// Decides with the EMSP's outcome, for a valid token whose whitelist is not ALWAYS.
    /// An answer always wins. Without one: ALLOWED uses the hub's copy (no channel: HUB_COPY, since
    /// real-time authorization is not mandatory for it; timeout: FALLBACK_TIMEOUT); ALLOWED_OFFLINE
    /// uses the hub's copy as a fallback (FALLBACK_NO_CHANNEL / FALLBACK_TIMEOUT); NEVER is NOT_ALLOWED.
    /// </summary>
    public static AuthorizationDecision Resolve(TokenFacts token, MspOutcome outcome)
    {
        if (outcome.Kind == MspOutcomeKind.Answered)
        {
            return new(outcome.Allowed, DecisionSource.MspRealTime);
        }

        var hubCopy = token.Valid ? AllowedType.Allowed : InvalidOutcome(token.Type);
        var timedOut = outcome.Kind == MspOutcomeKind.Timeout;
        return token.Whitelist switch
        {
            WhitelistType.Always => new(hubCopy, DecisionSource.HubCopy),
            WhitelistType.Allowed => new(hubCopy, timedOut ? DecisionSource.FallbackTimeout : DecisionSource.HubCopy),
            WhitelistType.AllowedOffline => new(hubCopy, timedOut ? DecisionSource.FallbackTimeout : DecisionSource.FallbackNoChannel),
            _ => new(AllowedType.NotAllowed, timedOut ? DecisionSource.FallbackTimeout : DecisionSource.FallbackNoChannel),
        };
    }

    /// <summary>The whole decision for a given EMSP outcome (the outcome is ignored when the EMSP would not be asked).</summary>
    public static AuthorizationDecision Decide(TokenFacts? token, bool agreementActive, MspOutcome outcome)
    {
        var plan = Plan(token, agreementActive);
        return plan.Final ?? Resolve(token!.Value, outcome);
    }

    private static AllowedType InvalidOutcome(TokenType type) =>
        type == TokenType.AdHocUser ? AllowedType.Expired : AllowedType.Blocked;
}
