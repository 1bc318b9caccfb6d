using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using ClearingHouse.Application.Access;
using ClearingHouse.Grains;
using ClearingHouse.OperatorConsole.Hosting;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace ClearingHouse.OperatorConsole.Security;

/// <summary>A signed-in operator: the credential id it signed in with, its session id and when the session ends.</summary>
/// <param name="CredentialId">The operator credential's id (never its secret).</param>
/// <param name="SessionId">A random id of this sign-in, so that signing out ends this session only.</param>
/// <param name="Expires">When the session ends.</param>
/// <param name="ReadOnly">Whether the operator credential may only read (the core refuses its changes; pages hide their forms).</param>
public sealed record ConsoleSession(string CredentialId, string SessionId, DateTimeOffset Expires, bool ReadOnly = false)
{
    /// <summary>The caller the core sees for this session.</summary>
    public CallerIdentity Caller => new(null, CredentialId) { ReadOnly = ReadOnly };
}

/// <summary>
/// The console's session cookie: the session is data-protected (encrypted and signed, with an expiry the protector
/// checks), sent HttpOnly, SameSite=Strict and Secure when the console serves TLS. It holds the credential's id, never
/// its secret. A session signed out is remembered until it would have expired, so a copy of its cookie is refused.
/// </summary>
public sealed class ConsoleSessions(IDataProtectionProvider protection, HubClock clock, IOptions<ConsoleOptions> options)
{
    /// <summary>The session cookie's name.</summary>
    public const string CookieName = "ch_console";

    // The role is in the protected payload, taken from the credential at sign-in: a cookie cannot be edited to full.
    private const string FullRole = "full", ReadOnlyRole = "read-only";

    private readonly ITimeLimitedDataProtector _protector = protection.CreateProtector("ClearingHouse.OperatorConsole.Session.v1").ToTimeLimitedDataProtector();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _signedOut = new(StringComparer.Ordinal);

    /// <summary>Starts a session for <paramref name="caller"/> (the operator) and sets its cookie.</summary>
    public ConsoleSession SignIn(HttpContext context, CallerIdentity caller)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(caller);
        var expires = clock.UtcNow + options.Value.SessionLifetime;
        var session = new ConsoleSession(caller.CredentialId, Convert.ToHexString(RandomNumberGenerator.GetBytes(16)), expires, caller.ReadOnly);
        var role = session.ReadOnly ? ReadOnlyRole : FullRole;
        var value = _protector.Protect($"{session.CredentialId}\n{session.SessionId}\n{expires.UtcTicks.ToString(CultureInfo.InvariantCulture)}\n{role}", expires);
        context.Response.Cookies.Append(CookieName, value, Cookie(context, expires));
        return session;
    }

    /// <summary>Ends the request's session (if any): its cookie is deleted and the session refused from now on.</summary>
    public void SignOut(HttpContext context, ConsoleSession? session)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (session is not null)
        {
            var now = clock.UtcNow;
            foreach (var (id, until) in _signedOut)
            {
                if (until < now)
                {
                    _signedOut.TryRemove(id, out _);
                }
            }

            _signedOut[session.SessionId] = session.Expires;
        }

        context.Response.Cookies.Delete(CookieName, Cookie(context, null));
    }

    /// <summary>The request's session, or null when it has none, or an expired, signed-out or forged one.</summary>
    public ConsoleSession? Read(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.Request.Cookies.TryGetValue(CookieName, out var value) || string.IsNullOrEmpty(value))
        {
            return null;
        }

        try
        {
            var parts = _protector.Unprotect(value, out var expiration).Split('\n');
            if (parts.Length != 4 || parts[3] is not (FullRole or ReadOnlyRole) || expiration < clock.UtcNow || _signedOut.ContainsKey(parts[1]))
            {
                return null;
            }

            return new ConsoleSession(parts[0], parts[1], expiration, parts[3] == ReadOnlyRole);
        }
        catch (CryptographicException)
        {
            // Tampered with, expired, or signed with keys this hub no longer has: the same as no session.
            return null;
        }
    }

    /// <summary>The signed-in principal for <paramref name="session"/> (antiforgery tokens are bound to its name).</summary>
    public static ClaimsPrincipal Principal(ConsoleSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, $"operator ({session.CredentialId})"), new Claim("sid", session.SessionId)], "console"));
    }

    private static CookieOptions Cookie(HttpContext context, DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = context.Request.IsHttps,
        Path = "/",
        Expires = expires,
        IsEssential = true,
    };
}
