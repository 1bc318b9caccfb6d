using ClearingHouse.Application.Operations;
using ClearingHouse.Application.Sessions;

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

    /// <summary>Reads them.</summary>
    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Health = await Core<OpsFlow>().GetHealthAsync(Caller);
        var stuck = await Core<SessionFlow>().ListStuckAsync(Caller, null, Options.DefaultPageSize, cancellationToken);
        (Stuck, MoreStuck) = (stuck.Items, stuck.NextPosition is not null);
    }
}
