using ClearingHouse.OperatorConsole.Security;
using Microsoft.AspNetCore.Mvc;

namespace ClearingHouse.OperatorConsole.Pages;

/// <summary>Sign-out (a post with its antiforgery token): the session ends here and its cookie is refused from now on.</summary>
public sealed class SignOutModel : ConsolePage
{
    /// <summary>Ends the session.</summary>
    public IActionResult OnPost()
    {
        Core<ConsoleSessions>().SignOut(HttpContext, Session);
        return LocalRedirect("/signin");
    }
}
