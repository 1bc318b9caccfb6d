using ClearingHouse.Application;
using ClearingHouse.Application.Settlement;
using ClearingHouse.Domain.Settlement;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Settlement;
using Microsoft.AspNetCore.Mvc;

namespace ClearingHouse.OperatorConsole.Pages;

/// <summary>Disputes by id, keyset paged, filtered by side and state.</summary>
public sealed class DisputesModel : ConsolePage
{
    /// <summary>CPO filter.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Cpo { get; set; }

    /// <summary>EMSP filter.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Emsp { get; set; }

    /// <summary>State filter.</summary>
    [BindProperty(SupportsGet = true)]
    public string? State { get; set; }

    /// <summary>This page.</summary>
    public Page<DisputeRecord>? Disputes { get; private set; }

    /// <summary>Lists one page.</summary>
    public async Task OnGetAsync(string? after, int? size, CancellationToken cancellationToken)
    {
        DisputeState? state = string.IsNullOrEmpty(State) ? null
            : Enum.TryParse<DisputeState>(State, ignoreCase: true, out var s) && Enum.IsDefined(s) ? s
            : throw new HubException(HubErrorCode.InvalidArgument, $"state must be one of {string.Join(", ", Enum.GetNames<DisputeState>())}", "state");
        Disputes = await Core<DisputeFlow>().ListAsync(Caller, Party(Cpo, "cpo"), Party(Emsp, "emsp"), state, after, PageSize(size), cancellationToken);
    }
}
