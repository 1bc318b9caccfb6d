using ClearingHouse.Application.Access;
using ClearingHouse.OperatorConsole.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace ClearingHouse.OperatorConsole.Security;

/// <summary>
/// The console's transport rules, in one place: only on the console's own port; security headers on every answer
/// (CSP without scripts, frame-ancestors 'none', no referrer, no caching of pages); the session read from its cookie;
/// a request without a valid session sent to the sign-in page (GET) or refused (anything else: nothing runs). A session
/// whose operator credential has been revoked since it signed in ends at its next request.
/// Every other port's requests pass through untouched at the cost of one comparison.
/// </summary>
public sealed class ConsoleMiddleware(RequestDelegate next, ConsoleSessions sessions, OperatorCredentialsFlow credentials, IOptions<ConsoleOptions> options)
{
    /// <summary>The Content-Security-Policy of every console answer: no script at all, styles and forms from the console only.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private static readonly PathString[] Public = [new("/signin"), new("/console.css")];

    /// <summary>Handles one request.</summary>
    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Connection.LocalPort != options.Value.Port ? next(context) : ConsoleRequestAsync(context);
    }

    private async Task ConsoleRequestAsync(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";
        if (context.Request.IsHttps)
        {
            headers.StrictTransportSecurity = "max-age=31536000";
        }

        var session = sessions.Read(context);
        if (session is not null && await credentials.IsRevokedAsync(session.CredentialId))
        {
            // Revoked since sign-in: the session ends here, as if signed out.
            sessions.SignOut(context, session);
            session = null;
        }

        if (session is not null)
        {
            context.User = ConsoleSessions.Principal(session);
            context.Items[typeof(ConsoleSession)] = session;
            await next(context);
            return;
        }

        if (Array.Exists(Public, p => context.Request.Path.Equals(p, StringComparison.OrdinalIgnoreCase)))
        {
            await next(context);
            return;
        }

        if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
        {
            // Back to this page after signing in; only a local path is ever followed (SignIn checks it).
            var back = context.Request.Path + context.Request.QueryString;
            context.Response.Redirect("/signin?returnUrl=" + Uri.EscapeDataString(back));
            return;
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync(
            "<!DOCTYPE html><html><head><title>Signed out</title></head><body><h1>Signed out</h1>"
            + "<p>Your console session has ended (signed out, expired, or never started): nothing was changed.</p>"
            + "<p><a href=\"/signin\">Sign in again</a></p></body></html>");
    }
}
