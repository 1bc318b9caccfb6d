namespace ClearingHouse.Domain.Settlement;

/// <summary>Where a dispute about a CDR stands.</summary>
public enum DisputeState
{
    /// <summary>Raised (by the EMSP, or by the hub for a price mismatch); the CDR is not payable.</summary>
    Open = 1,

    /// <summary>The EMSP accepts the CDR as billed (or the CPO's answer); the CDR is payable.</summary>
    Accepted = 2,

    /// <summary>The CPO stands by its CDR; still contested, not payable, until the EMSP accepts or the operator resolves.</summary>
    Declined = 3,

    /// <summary>The CPO issued a credit CDR (netting the disputed one) and a new CDR; all three count as billed.</summary>
    Revised = 4,

    /// <summary>The operator closed the dispute; final. The CDR is payable (a correction is a credit CDR).</summary>
    Resolved = 5,
}

/// <summary>Who moves a dispute.</summary>
public enum DisputeActor
{
    /// <summary>The hub itself (opens disputes for its own price mismatches).</summary>
    Hub = 1,

    /// <summary>The CPO of the CDR.</summary>
    Cpo = 2,

    /// <summary>The EMSP of the CDR.</summary>
    Emsp = 3,

    /// <summary>The hub operator.</summary>
    Operator = 4,
}

/// <summary>
/// The dispute workflow. Transitions and who may make them:
/// <list type="bullet">
/// <item>open → accepted (EMSP), declined (CPO), revised (CPO, with a credit CDR and a new CDR), resolved (operator);</item>
/// <item>declined → accepted (EMSP), resolved (operator);</item>
/// <item>revised → accepted (EMSP), resolved (operator);</item>
/// <item>accepted → resolved (operator);</item>
/// <item>resolved is final.</item>
/// </list>
/// Opening is the EMSP's (or the hub's, for a price mismatch). Every move needs a reason.
/// </summary>
public static class DisputeRules
{
    /// <summary>Whether the disputed CDR stays out of the payable total in <paramref name="state"/>.</summary>
    public static bool KeepsCdrApart(DisputeState state) => state is DisputeState.Open or DisputeState.Declined;

    /// <summary>Who may move a dispute from <paramref name="from"/> to <paramref name="to"/>; null when the workflow has no such move.</summary>
    public static DisputeActor? WhoMayMove(DisputeState from, DisputeState to) => (from, to) switch
    {
        (DisputeState.Resolved, _) => null,
        (_, DisputeState.Resolved) => DisputeActor.Operator,
        (DisputeState.Open or DisputeState.Declined or DisputeState.Revised, DisputeState.Accepted) => DisputeActor.Emsp,
        (DisputeState.Open, DisputeState.Declined or DisputeState.Revised) => DisputeActor.Cpo,
        _ => null,
    };

    /// <summary>Why <paramref name="actor"/> may not move a dispute from <paramref name="from"/> to <paramref name="to"/>, or null when it may.</summary>
    public static string? CheckMove(DisputeState from, DisputeState to, DisputeActor actor)
    {
        if (WhoMayMove(from, to) is not { } allowed)
        {
            return $"a dispute cannot move from {Name(from)} to {Name(to)}";
        }

        return allowed == actor ? null : $"only the {Name(allowed)} may move a dispute from {Name(from)} to {Name(to)}";
    }

    /// <summary>The upper-case name used on the wire and in statements.</summary>
    public static string Name(DisputeState state) => state.ToString().ToUpperInvariant();

    private static string Name(DisputeActor actor) => actor switch
    {
        DisputeActor.Cpo => "CPO",
        DisputeActor.Emsp => "EMSP",
        DisputeActor.Operator => "hub operator",
        _ => "hub",
    };
}
