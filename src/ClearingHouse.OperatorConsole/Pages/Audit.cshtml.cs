using System.Globalization;
using ClearingHouse.Application.Operations.Audit;
using ClearingHouse.Grains.Errors;
using ClearingHouse.Grains.Operations;
using Microsoft.AspNetCore.Mvc;

namespace ClearingHouse.OperatorConsole.Pages;

/// <summary>The audit log, newest first, filtered and keyset paged (older entries before a sequence).</summary>
public sealed class AuditModel : ConsolePage
{
    /// <summary>Action filter (prefix, as the CLI's).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Action { get; set; }

    /// <summary>Target filter.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Target { get; set; }

    /// <summary>Actor filter.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Actor { get; set; }

    /// <summary>Only entries at or after this UTC time.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Since { get; set; }

    /// <summary>This page.</summary>
    public AuditPage? Entries { get; private set; }

    /// <summary>Lists one page.</summary>
    public async Task OnGetAsync(long? before, int? size, CancellationToken cancellationToken)
    {
        DateTimeOffset? from = string.IsNullOrWhiteSpace(Since) ? null
            : DateTimeOffset.TryParse(Since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at
            : throw new HubException(HubErrorCode.InvalidArgument, "since must be a UTC time such as 2026-12-01T00:00:00Z", "since");
        Entries = await Core<AuditLog>().ListAsync(Caller, new AuditQuery
        {
            Action = Blank(Action), Target = Blank(Target), Actor = Blank(Actor), From = from, BeforeSequence = before ?? 0, Limit = PageSize(size),
        }, cancellationToken);
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
