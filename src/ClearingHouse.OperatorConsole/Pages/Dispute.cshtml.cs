using ClearingHouse.Application.Settlement;
using ClearingHouse.Domain.Settlement;
using ClearingHouse.Grains.Errors;
using Microsoft.AspNetCore.Mvc;

namespace ClearingHouse.OperatorConsole.Pages;

/// <summary>One dispute with its history, and moving it.</summary>
public sealed class DisputeModel : ConsolePage
{
    /// <summary>The dispute and its changes.</summary>
    public DisputeHistory? History { get; private set; }

    /// <summary>Reads it.</summary>
    public async Task OnGetAsync(long? id, CancellationToken cancellationToken) =>
        History = await Core<DisputeFlow>().GetAsync(Caller, id ?? 0, cancellationToken);

    /// <summary>Moves it (the core checks the workflow and audits the move).</summary>
    public async Task<IActionResult> OnPostMoveAsync(long? id, string? to, string? reason, string? credit, string? replacement, CancellationToken cancellationToken)
    {
        if (!Enum.TryParse<DisputeState>(to, ignoreCase: true, out var state) || !Enum.IsDefined(state))
        {
            throw new HubException(HubErrorCode.InvalidArgument, $"to must be one of {string.Join(", ", Enum.GetNames<DisputeState>())}", "to");
        }

        var moved = await Core<DisputeFlow>().MoveAsync(Caller, new DisputeMove(id ?? 0, state, Reason(reason), NullIfEmpty(credit), NullIfEmpty(replacement)), cancellationToken);
        return Done($"dispute {moved.Id} moved to {moved.State}", Links.Dispute(moved.Id));
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
