using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Core.Infrastructure;
using Microsoft.AspNetCore.Mvc.Filters;

namespace ClearingHouse.OperatorConsole.Security;

/// <summary>
/// A form post without a valid antiforgery token (forged, replayed from another session, or from a page older than the
/// sign-in) is answered with a plain message instead of an empty 400; the page handler never ran, nothing changed.
/// </summary>
public sealed class AntiforgeryRefusal : IAlwaysRunResultFilter
{
    /// <inheritdoc />
    public void OnResultExecuting(ResultExecutingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Result is IAntiforgeryValidationFailedResult)
        {
            context.Result = new ContentResult
            {
                StatusCode = StatusCodes.Status400BadRequest,
                ContentType = "text/html; charset=utf-8",
                Content = "<!DOCTYPE html><html><head><title>Form refused</title></head><body><h1>Form refused</h1>"
                    + "<p>This form has no valid antiforgery token (it was forged, replayed, or comes from a page older than your "
                    + "sign-in): nothing was changed.</p><p><a href=\"/\">Back to the console</a>; open the page again and resubmit.</p></body></html>",
            };
        }
    }

    /// <inheritdoc />
    public void OnResultExecuted(ResultExecutedContext context)
    {
    }
}
