using ClearingHouse.Application.Access;
using ClearingHouse.Grains.Errors;
using ClearingHouse.OperatorConsole.Security;
using Microsoft.AspNetCore.Mvc;

namespace ClearingHouse.OperatorConsole.Pages;

/// <summary>Sign-in with the operator credential, checked by the core's <see cref="IdentityResolver"/> like any gRPC call.</summary>
public sealed class SignInModel : ConsolePage
{
    /// <summary>Where to go after signing in (a local path only).</summary>
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>Shows the form.</summary>
    public void OnGet()
    {
    }

    /// <summary>Checks the credential; only the hub operator may sign in.</summary>
    public async Task<IActionResult> OnPostAsync(string? secret)
    {
        var caller = await Core<IdentityResolver>().ResolveAsync($"Bearer {secret}");
        if (!caller.IsOperator)
        {
            throw new HubException(HubErrorCode.PermissionDenied, "only the hub operator may sign in to the console");
        }

        Core<ConsoleSessions>().SignIn(HttpContext, caller);
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) && !ReturnUrl!.StartsWith("/signin", StringComparison.OrdinalIgnoreCase) ? ReturnUrl : "/");
    }
}
