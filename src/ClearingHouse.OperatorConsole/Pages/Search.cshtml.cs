using System.Globalization;
using ClearingHouse.Application.Operations.Investigation;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Domain.Tokens;
using Microsoft.AspNetCore.Mvc;

namespace ClearingHouse.OperatorConsole.Pages;

/// <summary>Search by any id; one hit opens its page at once.</summary>
public sealed class SearchModel : ConsolePage
{
    /// <summary>The id searched.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Q { get; set; }

    /// <summary>The owner to search in, if given.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Owner { get; set; }

    /// <summary>What was found (null before a search).</summary>
    public IReadOnlyList<InvestigationHit>? Hits { get; private set; }

    /// <summary>Searches.</summary>
    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(Q))
        {
            return Page();
        }

        var (owner, id) = (Party(Owner, "owner"), Q.Trim());
        // "NL-ABC-CPO/CDR-1": an owner and an id in one text, as findings and the CLI write them.
        if (owner is null && id.IndexOf('/', StringComparison.Ordinal) is > 0 and var slash && PartyKey.TryParse(id[..slash], out var prefixed))
        {
            (owner, id) = (prefixed, id[(slash + 1)..]);
        }

        Hits = await Core<InvestigationFlow>().SearchAsync(Caller, id, owner, cancellationToken);
        return Hits.Count == 1 ? LocalRedirect(Link(Hits[0])) : Page();
    }

    /// <summary>The page of one hit.</summary>
    public static string Link(InvestigationHit hit)
    {
        ArgumentNullException.ThrowIfNull(hit);
        return hit.Kind switch
        {
            "cdr" => Links.Cdr(hit.Owner!.Value, hit.Id),
            "session" => Links.Session(hit.Owner!.Value, hit.Id),
            "location" => Links.Location(hit.Owner!.Value, hit.Id),
            "authorization" => Links.Authorization(hit.Id),
            "token" => Links.Token(Enum.Parse<TokenType>(hit.Id[..hit.Id.IndexOf('/', StringComparison.Ordinal)]), hit.Id[(hit.Id.IndexOf('/', StringComparison.Ordinal) + 1)..]),
            "dispute" => Links.Dispute(long.Parse(hit.Id, CultureInfo.InvariantCulture)),
            _ => $"/statements?number={Uri.EscapeDataString(hit.Id)}",
        };
    }
}
