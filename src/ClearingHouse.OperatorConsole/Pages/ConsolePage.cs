using ClearingHouse.Application.Access;
using ClearingHouse.Application.Errors;
using ClearingHouse.Domain.Parties;
using ClearingHouse.Grains.Errors;
using ClearingHouse.OperatorConsole.Hosting;
using ClearingHouse.OperatorConsole.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ClearingHouse.OperatorConsole.Pages;

/// <summary>
/// What every console page shares: the signed-in operator as the core's <see cref="CallerIdentity"/>, the page size
/// rule, and the core's refusals (<see cref="HubException"/>, outages) shown as a message on the page with the matching
/// HTTP status, never as an error page: the action did not happen, and the page says why.
/// </summary>
public abstract class ConsolePage : PageModel
{
    /// <summary>A one-time message after an action (kept across the redirect that follows a successful post).</summary>
    [TempData]
    public string? Notice { get; set; }

    /// <summary>Why the request was refused, shown on the page.</summary>
    public string? Error { get; set; }

    /// <summary>The signed-in session.</summary>
    protected ConsoleSession Session => (ConsoleSession)HttpContext.Items[typeof(ConsoleSession)]!;

    /// <summary>The operator, as the core sees it.</summary>
    protected CallerIdentity Caller => Session.Caller;

    /// <summary>
    /// Whether the operator may change anything: false for a read-only operator credential, whose pages show no action
    /// form (the core refuses its changes anyway, on every edge).
    /// </summary>
    public bool MayChange => HttpContext.Items[typeof(ConsoleSession)] is ConsoleSession { ReadOnly: false };

    /// <summary>The console's options.</summary>
    protected ConsoleOptions Options => HttpContext.RequestServices.GetRequiredService<IOptions<ConsoleOptions>>().Value;

    /// <summary>A core service.</summary>
    protected T Core<T>()
        where T : notnull => HttpContext.RequestServices.GetRequiredService<T>();

    /// <summary>The page size to list with: the default when none is asked, InvalidArgument above the maximum.</summary>
    protected int PageSize(int? size) => size switch
    {
        null => Options.DefaultPageSize,
        < 1 => throw new HubException(HubErrorCode.InvalidArgument, "size must be at least 1", "size"),
        var n when n > Options.MaxPageSize => throw new HubException(HubErrorCode.InvalidArgument, $"size must be at most {Options.MaxPageSize}", "size"),
        var n => n.Value,
    };

    /// <summary>A party key from its text (NL-ABC-CPO), InvalidArgument naming <paramref name="field"/> otherwise; null when empty.</summary>
    protected static PartyKey? Party(string? text, string field) =>
        string.IsNullOrWhiteSpace(text) ? null
        : PartyKey.TryParse(text.Trim(), out var key) ? key
        : throw new HubException(HubErrorCode.InvalidArgument, $"{field} '{text}' is not a party (COUNTRY-PARTY_ID-ROLE, e.g. NL-ABC-CPO)", field);

    /// <summary>Like <see cref="Party"/>, required.</summary>
    protected static PartyKey RequiredParty(string? text, string field) =>
        Party(text, field) ?? throw new HubException(HubErrorCode.InvalidArgument, $"{field} is required", field);

    /// <summary>A reason is required for every action; at most 1000 characters.</summary>
    protected static string Reason(string? reason) =>
        string.IsNullOrWhiteSpace(reason) || reason.Length > 1000
            ? throw new HubException(HubErrorCode.InvalidArgument, "a reason is required (at most 1000 characters): it goes into the audit log", "reason")
            : reason.Trim();

    /// <summary>After a successful action: the message to show, and back to <paramref name="url"/> (post, redirect, get).</summary>
    protected IActionResult Done(string message, string url)
    {
        Notice = message;
        return LocalRedirect(url);
    }

    /// <inheritdoc />
    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (TempData[RefusedKey] is string refused)
        {
            Error = refused;
        }

        var executed = await next();
        if (executed.Exception is { } ex && !executed.ExceptionHandled && Refusal(ex) is { } refusal)
        {
            executed.ExceptionHandled = true;
            if (HttpMethods.IsPost(Request.Method) && this is not SignInModel)
            {
                // A refused action: back to the page it was posted from (its form fields name the object), with the reason.
                TempData[RefusedKey] = $"{refusal.Message}. Nothing was changed.";
                executed.Result = LocalRedirect(Back());
                return;
            }

            Error = refusal.Message;
            executed.Result = new PageResult { StatusCode = refusal.Status };
        }
    }

    private const string RefusedKey = "refused";

    // The page's GET address with the posted form's fields (never the antiforgery token or a secret).
    private string Back()
    {
        var query = Request.Form
            .Where(f => f.Key is not ("__csrf" or "secret" or "reason"))
            .Select(f => $"{Uri.EscapeDataString(f.Key)}={Uri.EscapeDataString(f.Value.ToString())}");
        return $"{Request.Path}?{string.Join('&', query)}";
    }

    private static (int Status, string Message)? Refusal(Exception ex) => ex switch
    {
        HubException hub => (hub.Code switch
        {
            HubErrorCode.InvalidArgument => StatusCodes.Status400BadRequest,
            HubErrorCode.NotFound => StatusCodes.Status404NotFound,
            HubErrorCode.AlreadyExists or HubErrorCode.FailedPrecondition => StatusCodes.Status409Conflict,
            HubErrorCode.PermissionDenied => StatusCodes.Status403Forbidden,
            HubErrorCode.Unauthenticated => StatusCodes.Status401Unauthorized,
            _ => StatusCodes.Status503ServiceUnavailable,
        }, $"{hub.Code}: {hub.Message}"),
        _ when Outages.Describe(ex) is { } outage => (StatusCodes.Status503ServiceUnavailable, $"Unavailable: {outage}"),
        _ => null,
    };
}
