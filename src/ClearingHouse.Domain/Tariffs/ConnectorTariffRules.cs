namespace ClearingHouse.Domain.Tariffs;

/// <summary>How <see cref="ConnectorTariffRules.Select"/> ended.</summary>
public enum TariffSelectionOutcome
{
    /// <summary>Exactly one tariff applies: <see cref="TariffSelection.Tariff"/>.</summary>
    Selected = 1,

    /// <summary>No tariff of the session's type (nor one without a type) is active at the instant.</summary>
    NoneActive = 2,

    /// <summary>
    /// Several tariffs of the same type are active at the instant, which OCPI forbids at one connector:
    /// <see cref="TariffSelection.Conflicting"/> lists them.
    /// </summary>
    Conflict = 3,
}

/// <summary>The tariff that applies to a session at a connector, or why none does.</summary>
/// <param name="Outcome">How the selection ended.</param>
/// <param name="Tariff">The applicable tariff when <paramref name="Outcome"/> is <see cref="TariffSelectionOutcome.Selected"/>.</param>
/// <param name="Conflicting">The tariffs active together when <paramref name="Outcome"/> is <see cref="TariffSelectionOutcome.Conflict"/>, in the connector's order; else empty.</param>
/// <param name="Reason">Why nothing was selected, in words for a partner; null when selected.</param>
public sealed record TariffSelection(TariffSelectionOutcome Outcome, Tariff? Tariff, IReadOnlyList<Tariff> Conflicting, string? Reason);

/// <summary>Two tariffs of one connector that break the one-active-tariff-per-type rule.</summary>
/// <param name="First">The earlier of the two in the connector's list.</param>
/// <param name="Second">The later of the two.</param>
/// <param name="Type">Their common type; null for two tariffs without a type.</param>
public sealed record TariffOverlap(Tariff First, Tariff Second, TariffType? Type);

/// <summary>
/// The OCPI 2.3 rule for the tariffs a connector lists (<c>tariff_ids</c>): several tariffs are allowed, but at
/// any instant at most one of each <see cref="TariffType"/> is active (<see cref="Tariff.IsActiveAt"/>), so tariffs
/// of one type must have validity windows that do not overlap. A tariff without a type is valid for every session
/// and counts as a type of its own ("untyped") for the rule.
/// </summary>
public static class ConnectorTariffRules
{
    /// <summary>
    /// Picks the tariff that applies to a session of <paramref name="sessionType"/> starting at
    /// <paramref name="sessionStart"/> (OCPI: the tariff valid when the session started applies to the whole session).
    /// </summary>
    /// <remarks>
    /// The active tariff of exactly <paramref name="sessionType"/> wins; failing one, the active tariff without a type
    /// (valid for every session). A tariff of another type never stands in: a PROFILE_CHEAP session at a connector
    /// that only lists REGULAR has no applicable tariff, because OCPI gives no order between types. Two active
    /// candidates at the same level are a <see cref="TariffSelectionOutcome.Conflict"/>, never a silent pick.
    /// </remarks>
    /// <param name="tariffs">The connector's tariffs, in the order it lists them.</param>
    /// <param name="sessionType">
    /// The session's kind: AD_HOC_PAYMENT for a payment terminal, PROFILE_* for a charging preference, REGULAR for
    /// an RFID session without preference.
    /// </param>
    /// <param name="sessionStart">When the session started.</param>
    public static TariffSelection Select(IReadOnlyList<Tariff> tariffs, TariffType sessionType, DateTimeOffset sessionStart)
    {
        ArgumentNullException.ThrowIfNull(tariffs);
        var typed = Active(tariffs, sessionType, sessionStart);
        if (typed.Count > 0)
        {
            return Pick(typed, Name(sessionType), sessionStart);
        }

        var untyped = Active(tariffs, null, sessionStart);
        return untyped.Count > 0
            ? Pick(untyped, "without a type", sessionStart)
            : new(TariffSelectionOutcome.NoneActive, null, [], $"no tariff of type {Name(sessionType)} or without a type is active at {sessionStart:u}");
    }

    /// <summary>
    /// Every pair of tariffs of the same type (or both without a type) whose validity windows overlap, in list
    /// order; empty when the connector's list keeps the rule. Tariffs with the same id are one tariff and skipped.
    /// </summary>
    public static IReadOnlyList<TariffOverlap> FindOverlaps(IReadOnlyList<Tariff> tariffs)
    {
        ArgumentNullException.ThrowIfNull(tariffs);
        List<TariffOverlap>? overlaps = null;
        for (var i = 0; i < tariffs.Count; i++)
        {
            for (var j = i + 1; j < tariffs.Count; j++)
            {
                var (a, b) = (tariffs[i], tariffs[j]);
                if (a.Type == b.Type && !string.Equals(a.Id, b.Id, StringComparison.Ordinal) && a.OverlapsWindowOf(b))
                {
                    (overlaps ??= []).Add(new TariffOverlap(a, b, a.Type));
                }
            }
        }

        return overlaps ?? (IReadOnlyList<TariffOverlap>)[];
    }

    /// <summary>The OCPI name of a tariff type (AD_HOC_PAYMENT, PROFILE_CHEAP, ...).</summary>
    public static string Name(TariffType type) => type switch
    {
        TariffType.AdHocPayment => "AD_HOC_PAYMENT",
        TariffType.ProfileCheap => "PROFILE_CHEAP",
        TariffType.ProfileFast => "PROFILE_FAST",
        TariffType.ProfileGreen => "PROFILE_GREEN",
        TariffType.Regular => "REGULAR",
        _ => type.ToString(),
    };

    private static List<Tariff> Active(IReadOnlyList<Tariff> tariffs, TariffType? type, DateTimeOffset at)
    {
        var active = new List<Tariff>(1);
        for (var i = 0; i < tariffs.Count; i++)
        {
            if (tariffs[i].Type == type && tariffs[i].IsActiveAt(at))
            {
                active.Add(tariffs[i]);
            }
        }

        return active;
    }

    private static TariffSelection Pick(List<Tariff> active, string level, DateTimeOffset at) => active.Count == 1
        ? new(TariffSelectionOutcome.Selected, active[0], [], null)
        : new(TariffSelectionOutcome.Conflict, null, active,
            $"{active.Count} tariffs {(level.StartsWith("without", StringComparison.Ordinal) ? level : "of type " + level)} are active at {at:u} ({string.Join(", ", active.Select(t => t.Id))}); a connector may list only one per type at a time");
}
