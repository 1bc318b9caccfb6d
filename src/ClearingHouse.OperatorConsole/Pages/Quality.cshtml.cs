using System.Globalization;
using ClearingHouse.Application.Operations;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Errors;
using Microsoft.AspNetCore.Mvc;

namespace ClearingHouse.OperatorConsole.Pages;

/// <summary>The data-quality findings with counts and examples, each example linked to its object.</summary>
public sealed class QualityModel : ConsolePage
{
    /// <summary>Findings since (UTC).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Since { get; set; }

    /// <summary>Examples per finding (default 5, at most 100).</summary>
    [BindProperty(SupportsGet = true)]
    public int? Examples { get; set; }

    /// <summary>The findings.</summary>
    public IReadOnlyList<FindingView>? Findings { get; private set; }

    /// <summary>Checks.</summary>
    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset? since = string.IsNullOrWhiteSpace(Since) ? null
            : DateTimeOffset.TryParse(Since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at
            : throw new HubException(HubErrorCode.InvalidArgument, "since must be a UTC time such as 2026-12-01T00:00:00Z", "since");
        Findings = await Core<OpsFlow>().ListFindingsAsync(Caller, Examples ?? 0, since, cancellationToken);
    }

    /// <summary>The page of an example: the CDR, session, location or dispute it names, else a search for it.</summary>
    public static string Link(string kind, string example)
    {
        ArgumentNullException.ThrowIfNull(example);
        var text = example.Split(" (")[0];
        if (kind == "OPEN_DISPUTES" && example.StartsWith("dispute ", StringComparison.Ordinal)
            && long.TryParse(example["dispute ".Length..].Split(':')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var dispute))
        {
            return Links.Dispute(dispute);
        }

        var parts = text.Split('/');
        if (parts.Length >= 2 && PartyKey.TryParse(parts[0], out var cpo))
        {
            return kind switch
            {
                "SESSION_STUCK" => Links.Session(cpo.Value, parts[1]),
                "EVSE_STATUS_STALE" or "LOCATION_WITHOUT_TARIFF" => Links.Location(cpo.Value, parts[1]),
                _ => Links.Cdr(cpo.Value, string.Join('/', parts[1..])),
            };
        }

        return Links.Search(text);
    }
}
