namespace ClearingHouse.Application.Channels;

/// <summary>
/// How long the hub may wait for a partner (an EMSP's authorization answer, a CPO's command answer)
/// within the caller's own gRPC deadline, keeping time back to decide, record durably and answer.
/// </summary>
public static class CallDeadlines
{
    /// <summary>
    /// The time kept back: a quarter of what is left, at least 50 ms and at most 250 ms. A fixed small
    /// margin was too little on a loaded machine: the caller then got DEADLINE_EXCEEDED instead of
    /// the hub's fallback answer.
    /// </summary>
    public static TimeSpan Margin(TimeSpan left) =>
        TimeSpan.FromTicks(Math.Clamp(left.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks, TimeSpan.FromMilliseconds(250).Ticks));

    /// <summary>The partner's wait: <paramref name="configured"/>, cut to the caller's deadline less the margin.</summary>
    public static TimeSpan PartnerWait(TimeSpan configured, DateTime callDeadline)
    {
        if (callDeadline == DateTime.MaxValue)
        {
            return configured;
        }

        var left = callDeadline - DateTime.UtcNow;
        var callLeft = left - Margin(left);
        return callLeft < configured ? callLeft : configured;
    }
}
