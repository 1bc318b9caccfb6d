using ClearingHouse.Application.Operations;
using ClearingHouse.Application.Sessions;
using ClearingHouse.Domain.Locations;

namespace ClearingHouse.OperatorConsole.Pages;

/// <summary>What is connected now and which sessions are stuck: aggregates the core keeps anyway, sampled on each refresh.</summary>
public sealed class LiveModel : ConsolePage
{
    /// <summary>Partner health on this silo.</summary>
    public IReadOnlyList<PartnerHealthView> Health { get; private set; } = [];

    /// <summary>The first page of stuck sessions.</summary>
    public IReadOnlyList<StuckSessionView> Stuck { get; private set; } = [];

    /// <summary>Whether there are more than shown.</summary>
    public bool MoreStuck { get; private set; }

    /// <summary>EVSE statuses counted per CPO and status (one aggregate in the core, shared for a few seconds).</summary>
    public EvseStatusCountsView? Statuses { get; private set; }

    /// <summary>The statuses that occur, in their order: the columns of the counts table.</summary>
    public IReadOnlyList<EvseStatus> StatusColumns { get; private set; } = [];

    /// <summary>Reads them.</summary>
    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Statuses = await Core<EvseStatusCounts>().GetAsync(Caller, cancellationToken);
        StatusColumns = [.. Statuses.Counts.Select(c => c.Status).Distinct().Order()];
        Health = await Core<OpsFlow>().GetHealthAsync(Caller);
        var stuck = await Core<SessionFlow>().ListStuckAsync(Caller, null, Options.DefaultPageSize, cancellationToken);
        (Stuck, MoreStuck) = (stuck.Items, stuck.NextPosition is not null);
    }
}
